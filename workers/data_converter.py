"""How tuopin's values travel through Temporal: pydantic models as plain JSON, written exactly as the
SDK's public pydantic converter writes them.

The SDK builds a new data converter for every workflow activation (it binds a serialization context
to it), and with it a new payload converter from `payload_converter_class()`. The stock pydantic
payload converter starts each time with an empty cache of pydantic type adapters, so every activation
paid for building its converters and adapters again. `SharedPydanticPayloadConverter` is the same
composite of the SDK's public encoding converters, built once per process and shared: its
construction is a dictionary, and the type adapters stay warm. The encoding converters hold no state
but that cache (thread-safe, bounded), and none of them takes a serialization context, so sharing
them changes no byte (tests/test_data_converter.py).
"""

from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import CompositePayloadConverter, DataConverter

_ENCODINGS = tuple(PydanticPayloadConverter().converters.values())


class SharedPydanticPayloadConverter(CompositePayloadConverter):
    """The SDK's pydantic payload converter, its encoding converters shared by every instance."""

    def __init__(self) -> None:
        super().__init__(*_ENCODINGS)


DATA_CONVERTER = DataConverter(payload_converter_class=SharedPydanticPayloadConverter)
