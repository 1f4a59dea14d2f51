"""The payload codec: each payload serialized, then encrypted with AES-256-GCM under the key ring's
current key. The key id travels in the payload's metadata and is bound to the ciphertext as
associated data, so neither the ciphertext nor its key id can be altered unnoticed.

Payloads without the encrypted encoding are passed through on decode: search attributes never go
through a codec, and a client without the codec (a test's, say) can still send to a worker. The
codec provides confidentiality only; who may act on a case is settled by the officials' signatures.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, PayloadCodec

from codec.keyring import KeyRing

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


class PayloadDecryptionError(Exception):
    """A payload this codec cannot decrypt: its key is not in the ring, or it was altered."""


class EncryptionCodec(PayloadCodec):
    def __init__(self, ring: KeyRing) -> None:
        super().__init__()
        self.ring = ring
        self._ciphers = {key_id: AESGCM(key) for key_id, key in ring.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self.ring.current
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), _associated(key_id))
        return Payload(metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            where = f" ({self.ring.path})" if self.ring.path else ""
            raise PayloadDecryptionError(
                f"payload encrypted with codec key {key_id!r}, which is not in the key ring{where}: "
                f"add that key to the ring (known: {', '.join(sorted(self._ciphers))})"
            )
        data = payload.data
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], _associated(key_id))
        except InvalidTag:
            raise PayloadDecryptionError(
                f"payload under codec key {key_id!r} fails authentication: it was altered or not written with this key"
            ) from None
        return Payload.FromString(plain)


def _associated(key_id: str) -> bytes:
    return ENCODING + b"\x00" + key_id.encode()


def with_codec(converter: DataConverter, ring: KeyRing) -> DataConverter:
    """`converter` with this codec over its payloads and with failure messages and stack traces moved
    into an encoded payload (the SDK otherwise writes them to history in the clear)."""
    from temporalio.converter import DefaultFailureConverterWithEncodedAttributes

    return dataclasses.replace(
        converter, payload_codec=EncryptionCodec(ring),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
