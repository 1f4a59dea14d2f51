"""`tuopin codec-server` (the Web UI's codec endpoint) and `tuopin codec-keys` (the key ring)."""

from __future__ import annotations

import errno
import signal
import threading
from typing import TYPE_CHECKING, Any

import click
import structlog

from starters.cli_options import common, say
from workers.settings import Settings

if TYPE_CHECKING:
    from temporalio.converter import DataConverter

    from codec.server import CodecServer

log = structlog.get_logger(__name__)


def ui_origins(settings: Settings) -> tuple[str, ...]:
    return (f"http://localhost:{settings.ui_port}", f"http://127.0.0.1:{settings.ui_port}")


def start_codec_server(settings: Settings, converter: DataConverter, host: str = "127.0.0.1",
                       port: int | None = None, origins: tuple[str, ...] = ()) -> CodecServer:
    """The codec endpoint in a thread of this process, on `port` (default: the codec server's usual
    port, or any free one when that is taken, as when two `serve` run side by side)."""
    from codec.aes_gcm import EncryptionCodec
    from codec.server import DEFAULT_PORT, CodecServer

    codec = converter.payload_codec
    assert isinstance(codec, EncryptionCodec)
    origins = origins or ui_origins(settings)
    try:
        server = CodecServer(codec, host, DEFAULT_PORT if port is None else port, origins)
    except OSError as exc:
        if port is not None or exc.errno != errno.EADDRINUSE:
            raise
        server = CodecServer(codec, host, 0, origins)
    server.start_in_thread()
    return server


@click.command("codec-server")
@common
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on: whoever reaches it can decrypt payloads they hold.")
@click.option("--port", default=8234, show_default=True, type=click.IntRange(0, 65535))
@click.option("--ui-origin", "origins", multiple=True, metavar="URL",
              help="Origin of the Web UI allowed to call it (repeatable) [default: http://localhost:8233].")
def codec_server(settings: Settings, as_json: bool, host: str, port: int, origins: tuple[str, ...]) -> None:
    """The HTTP codec endpoint for the Temporal Web UI (`--ui-codec-endpoint`); Ctrl-C stops it."""
    from workers.connection import data_converter

    server = start_codec_server(settings, data_converter(settings), host, port, origins)
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    log.info("codec_server_started", url=server.url, origins=sorted(server.origins),
             key_ring=str(settings.codec_key_file))
    say(as_json, {"url": server.url}, server.url)
    stopped.wait()
    server.shutdown()
    log.info("codec_server_stopped")


@click.group("codec-keys")
def codec_keys() -> None:
    """The payload codec's key ring (TUOPIN_CODEC_KEYS, else <home>/codec-keys.json)."""


@codec_keys.command("show")
@common
def codec_keys_show(settings: Settings, as_json: bool) -> None:
    """The ring's file, its current key id and every key id it holds (never the keys)."""
    from workers.connection import codec_keys as ring_of

    ring = ring_of(settings)
    data: dict[str, Any] = {"file": str(settings.codec_key_file), "current": ring.current, "keys": sorted(ring.keys)}
    say(as_json, data, f"{data['file']}\ncurrent  {ring.current}\nkeys     {' '.join(data['keys'])}")


@codec_keys.command("rotate")
@common
def codec_keys_rotate(settings: Settings, as_json: bool) -> None:
    """Adds a new key and makes it current; older keys stay, so earlier payloads stay readable.
    Copy the file to every worker, CLI and codec server, then restart the workers."""
    from workers.connection import codec_keys as ring_of

    ring = ring_of(settings).rotated()
    ring.save(settings.codec_key_file)
    data = {"file": str(settings.codec_key_file), "current": ring.current, "keys": sorted(ring.keys)}
    log.info("codec_key_rotated", current=ring.current, keys=len(ring.keys))
    say(as_json, data, f"{data['file']}: new current key {ring.current} ({len(ring.keys)} keys)")


@codec_keys.command("init")
@common
def codec_keys_init(settings: Settings, as_json: bool) -> None:
    """Creates the ring with a fresh key where none exists (a deployment's first step); an existing
    ring is kept as it is."""
    from codec.keyring import KeyRing, KeyRingError
    from starters.errors import BadUsage

    path = settings.codec_key_file
    existed = path.exists()
    try:
        ring = KeyRing.load_or_create(path)
    except KeyRingError as exc:
        raise BadUsage(str(exc), kind="codec_keys") from None
    data = {"file": str(path), "current": ring.current, "created": not existed}
    say(as_json, data, f"{path}: {'created' if not existed else 'kept'}, current key {ring.current}")
