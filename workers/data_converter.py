"""How tuopin's values travel through Temporal: pydantic models as plain JSON, with the SDK's public
pydantic converter, unchanged."""

from temporalio.contrib.pydantic import pydantic_data_converter

DATA_CONVERTER = pydantic_data_converter
