"""The workflow worker's payload passes, skipped where they cannot change a payload.

temporalio 1.35 walks every workflow activation and every completion with three payload visitors
each way (codec, external storage, storage references) before and after the workflow code runs. With
no payload codec and no external storage configured, which is tuopin's case, each pass copies every
payload list and writes it back unchanged: about 13 % of a `make bench` worker's CPU samples
(docs/performance.md). The SDK already short-circuits the same way elsewhere
(`DataConverter._decode_payload_has_effect`: "may no-op if a payload codec is not configured"); its
workflow worker does not yet. So where the converter of the activation has neither, the passes are
skipped; a converter with a codec (payload encryption, say) or external storage goes through the
SDK's own passes exactly as before. The one check lost is the SDK's early error for a payload
stored externally by some other client: such a payload would then fail in the payload converter.

This replaces two functions of the SDK's private `temporalio.bridge.worker` module, so the SDK version
is pinned in pyproject.toml and tests/workflows/test_payload_passes.py checks, on real activations and
completions, that the stock passes leave our payloads byte for byte as they were.
"""

from typing import Any

import temporalio.bridge.worker as bridge_worker
from temporalio.converter import DataConverter
from temporalio.converter._extstore import StorageOperationMetrics

STOCK_DECODE = bridge_worker.decode_activation
STOCK_ENCODE = bridge_worker.encode_completion


def has_effect(converter: DataConverter) -> bool:
    """Whether the SDK's passes could change a payload under this converter."""
    return converter.payload_codec is not None or converter.external_storage is not None


async def decode_activation(activation: Any, data_converter: DataConverter, decode_headers: bool,
                            storage_concurrency_limit: int) -> StorageOperationMetrics:
    if has_effect(data_converter):
        return await STOCK_DECODE(activation, data_converter, decode_headers, storage_concurrency_limit)
    return StorageOperationMetrics()


async def encode_completion(completion: Any, data_converter: DataConverter, encode_headers: bool,
                            storage_concurrency_limit: int) -> StorageOperationMetrics:
    if has_effect(data_converter):
        return await STOCK_ENCODE(completion, data_converter, encode_headers, storage_concurrency_limit)
    return StorageOperationMetrics()


def install() -> None:
    """Idempotent; the workflow worker looks both functions up on the module at every activation."""
    bridge_worker.decode_activation = decode_activation  # type: ignore[assignment]
    bridge_worker.encode_completion = encode_completion  # type: ignore[assignment]
