"""The payload codec: AES-GCM under a key ring, a key id in each payload; rotation; tampering."""

import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest
from temporalio.api.common.v1 import Payload

from codec.aes_gcm import ENCODING, KEY_ID, EncryptionCodec, PayloadDecryptionError, with_codec
from codec.keyring import KeyRing, KeyRingError
from domain.messages import DecisionCommand
from workers.data_converter import DATA_CONVERTER

NOTE = "入户核实：务工收入每月3200元，未计入"


def _converter(ring: KeyRing):
    return with_codec(DATA_CONVERTER, ring)


async def test_a_value_goes_through_encrypted_and_comes_back():
    converter = _converter(KeyRing.fresh())
    cmd = DecisionCommand(stage="verification", outcome="approve", official_id="x-director", note=NOTE)
    [payload] = await converter.encode([cmd])
    assert payload.metadata["encoding"] == ENCODING and payload.metadata[KEY_ID]
    assert NOTE.encode() not in payload.data and b"x-director" not in payload.SerializeToString()
    assert await converter.decode([payload], [DecisionCommand]) == [cmd]


async def test_each_encryption_is_fresh():
    codec = EncryptionCodec(KeyRing.fresh())
    [a, b] = await codec.encode([Payload(data=b"same")] * 2)
    assert a.data != b.data


async def test_old_payloads_decode_after_rotation_and_new_ones_use_the_new_key(tmp_path):
    old = KeyRing.load_or_create(tmp_path / "codec-keys.json")
    [early] = await _converter(old).encode([NOTE])
    new = old.rotated()
    new.save()
    reloaded = KeyRing.load(tmp_path / "codec-keys.json")
    assert reloaded.current == new.current != old.current and set(reloaded.keys) == {old.current, new.current}
    [late] = await _converter(reloaded).encode([NOTE])
    assert late.metadata[KEY_ID].decode() == new.current
    assert await _converter(reloaded).decode([early, late], [str, str]) == [NOTE, NOTE]


async def test_a_payload_under_an_unknown_key_is_a_clear_error():
    [payload] = await _converter(KeyRing.fresh()).encode([NOTE])
    other = KeyRing.fresh()
    with pytest.raises(PayloadDecryptionError, match="not in the key ring"):
        await EncryptionCodec(other).decode([payload])


async def test_tampered_ciphertext_and_a_swapped_key_id_are_refused():
    ring = KeyRing.fresh().rotated()
    codec = EncryptionCodec(ring)
    [payload] = await codec.encode([Payload(metadata={"encoding": b"json/plain"}, data=b'"x"')])
    flipped = Payload(metadata=payload.metadata, data=payload.data[:-1] + bytes([payload.data[-1] ^ 1]))
    with pytest.raises(PayloadDecryptionError, match="altered"):
        await codec.decode([flipped])
    older = next(k for k in ring.keys if k != ring.current)
    relabelled = Payload(metadata={**payload.metadata, KEY_ID: older.encode()}, data=payload.data)
    with pytest.raises(PayloadDecryptionError, match="altered"):
        await codec.decode([relabelled])


async def test_unencrypted_payloads_pass_through_decode():
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'"x"')
    assert await EncryptionCodec(KeyRing.fresh()).decode([plain]) == [plain]


def test_the_key_ring_file_is_private_and_created_once(tmp_path):
    path = tmp_path / "home" / "codec-keys.json"
    with ThreadPoolExecutor(8) as pool:
        rings = list(pool.map(lambda _: KeyRing.load_or_create(path), range(16)))
    assert len({r.current for r in rings}) == 1 and rings[0].keys == KeyRing.load(path).keys
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    rings[0].rotated().save()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_malformed_or_missing_key_ring_is_refused(tmp_path):
    with pytest.raises(KeyRingError, match="no codec key ring"):
        KeyRing.load(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"current": "a", "keys": {"a": "c2hvcnQ="}}))
    with pytest.raises(KeyRingError, match="not 32"):
        KeyRing.load(bad)
    bad.write_text("{")
    with pytest.raises(KeyRingError, match="not a codec key ring"):
        KeyRing.load_or_create(bad)  # an existing file is never replaced


