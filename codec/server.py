"""The HTTP codec endpoint the Temporal Web UI (and `temporal --codec-endpoint`) calls to show
encrypted payloads: POST /encode and POST /decode take and return `{"payloads": [...]}` in the
protobuf JSON form of `temporal.api.common.v1.Payloads`.

It answers cross-origin requests from the configured UI origins only and binds to 127.0.0.1 unless
told otherwise: anyone who can reach it can decrypt whatever payloads they hold.
"""

from __future__ import annotations

import asyncio
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from codec.aes_gcm import EncryptionCodec, PayloadDecryptionError

MAX_BODY = 8 * 1024 * 1024
DEFAULT_PORT = 8234


class CodecServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, codec: EncryptionCodec, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                 origins: tuple[str, ...] = ("http://localhost:8233",)) -> None:
        self.codec = codec
        self.origins = frozenset(origins)
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="codec-server", daemon=True)
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: CodecServer
    protocol_version = "HTTP/1.1"

    def do_OPTIONS(self) -> None:  # the browser's CORS preflight
        self._reply(HTTPStatus.NO_CONTENT, b"")

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if not path.endswith(("/encode", "/decode")):
            self._reply(HTTPStatus.NOT_FOUND, b'{"error": "POST /encode or /decode"}')
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b'{"error": "body too large"}')
            return
        try:
            payloads = json_format.Parse(self.rfile.read(length), Payloads()).payloads
        except json_format.ParseError as exc:
            self._reply(HTTPStatus.BAD_REQUEST, _error(f"not a Payloads JSON document: {exc}"))
            return
        transform = self.server.codec.encode if path.endswith("/encode") else self.server.codec.decode
        try:
            result = asyncio.run(transform(list(payloads)))
        except PayloadDecryptionError as exc:
            self._reply(HTTPStatus.BAD_REQUEST, _error(str(exc)))
            return
        self._reply(HTTPStatus.OK, json_format.MessageToJson(Payloads(payloads=result)).encode())

    def _reply(self, status: HTTPStatus, body: bytes) -> None:
        self.send_response(status)
        origin = self.headers.get("Origin")
        if origin in self.server.origins:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "content-type, x-namespace, authorization")
            self.send_header("Vary", "Origin")
        if body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        pass  # payload bodies stay out of logs; the UI polls often


def _error(message: str) -> bytes:
    import json

    return json.dumps({"error": message}).encode()
