"""How tuopin's values travel through Temporal: pydantic models as plain JSON (the SDK's pydantic
converter, unchanged on the wire), built once per process.

The SDK builds a fresh data converter for every workflow activation, twice (to decode it and to
encode its completion), and each build constructs the payload converter class anew; for pydantic's
that means a new serializer and an empty type-adapter cache each time (≈ 5 % of a worker's CPU in
`make bench`). The converter holds no per-call state, so every instance here shares the state of
the first one.
"""

from typing import Any, ClassVar

from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import DataConverter


class SharedPydanticPayloadConverter(PydanticPayloadConverter):
    """`PydanticPayloadConverter` whose instances share one state (its converters and type-adapter
    cache), so constructing one costs nothing after the first."""

    _shared: ClassVar[dict[str, Any] | None] = None

    def __init__(self) -> None:
        shared = SharedPydanticPayloadConverter._shared
        if shared is None:
            super().__init__()
            SharedPydanticPayloadConverter._shared = self.__dict__
        else:
            self.__dict__ = shared

    def with_context(self, context: Any) -> "SharedPydanticPayloadConverter":
        # none of its converters reads the context; a copy would have to rebuild (and then share) state
        return self


DATA_CONVERTER = DataConverter(payload_converter_class=SharedPydanticPayloadConverter)
