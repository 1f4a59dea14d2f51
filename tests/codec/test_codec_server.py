"""`tuopin codec-server`'s endpoint: what the Web UI posts to decode (and encode) payloads."""

import json
import urllib.error
import urllib.request

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from codec.aes_gcm import EncryptionCodec, with_codec
from codec.keyring import KeyRing
from codec.server import CodecServer
from workers.data_converter import DATA_CONVERTER

UI = "http://localhost:8233"
NOTE = "入户核实：家中有人在外务工"


@pytest.fixture
def server():
    ring = KeyRing.fresh()
    server = CodecServer(EncryptionCodec(ring), "127.0.0.1", 0, (UI,))
    server.start_in_thread()
    yield server
    server.shutdown()
    server.server_close()


def _post(server: CodecServer, path: str, body: bytes, origin: str = UI) -> tuple[int, dict, dict]:
    request = urllib.request.Request(server.url + path, data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Origin": origin, "X-Namespace": "default"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


async def test_decode_returns_the_plaintext_of_an_encoded_payload(server):
    payloads = await with_codec(DATA_CONVERTER, server.codec.ring).encode([NOTE])
    body = json_format.MessageToJson(Payloads(payloads=payloads)).encode()
    status, headers, doc = _post(server, "/decode", body)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == UI
    decoded = json_format.ParseDict(doc, Payloads()).payloads
    assert DATA_CONVERTER.payload_converter.from_payloads(decoded, [str]) == [NOTE]
    assert decoded[0].metadata["encoding"] == b"json/plain"


async def test_encode_then_decode_over_http(server):
    plain = DATA_CONVERTER.payload_converter.to_payloads([NOTE])
    status, _, encoded = _post(server, "/encode", json_format.MessageToJson(Payloads(payloads=plain)).encode())
    assert status == 200 and NOTE not in json.dumps(encoded, ensure_ascii=False)
    status, _, decoded = _post(server, "/decode", json.dumps(encoded).encode())
    assert json_format.ParseDict(decoded, Payloads()).payloads == list(plain)


def test_other_origins_get_no_cors_grant_and_bad_requests_are_refused(server):
    empty = b'{"payloads": []}'
    status, headers, _ = _post(server, "/decode", empty, origin="http://evil.example")
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    assert _post(server, "/decode", b"not json")[0] == 400
    assert _post(server, "/elsewhere", empty)[0] == 404
    foreign = json.dumps({"payloads": [{"metadata": {"encoding": "YmluYXJ5L2VuY3J5cHRlZA==", "encryption-key-id": "Zm9v"},
                                        "data": "AAAA"}]}).encode()
    status, _, doc = _post(server, "/decode", foreign)
    assert status == 400 and "not in the key ring" in doc["error"]


def test_preflight(server):
    request = urllib.request.Request(server.url + "/decode", method="OPTIONS",
                                     headers={"Origin": UI, "Access-Control-Request-Method": "POST"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == UI
        assert "POST" in response.headers["Access-Control-Allow-Methods"]
