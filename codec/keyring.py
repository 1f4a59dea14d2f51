"""The codec's key ring: a JSON file of named AES-256 keys, one of them current.

    {"current": "<key id>", "keys": {"<key id>": "<base64 of 32 bytes>", ...}}

New payloads are encrypted with the current key; a payload names its key's id, so it stays readable
for as long as its key is kept in the ring. Rotation adds a key and makes it current; older keys stay
until no history needs them. The file holds secrets: it is written with mode 0600.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

KEY_BYTES = 32  # AES-256
log = logging.getLogger(__name__)


class KeyRingError(Exception):
    """The key ring file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class KeyRing:
    current: str
    keys: dict[str, bytes]
    path: Path | None = None

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise KeyRingError(f"the current codec key {self.current!r} is not in the key ring")
        for key_id, key in self.keys.items():
            if len(key) != KEY_BYTES:
                raise KeyRingError(f"codec key {key_id!r} is {len(key)} bytes, not {KEY_BYTES}")

    @classmethod
    def fresh(cls, path: Path | None = None) -> KeyRing:
        key_id = new_key_id()
        return cls(current=key_id, keys={key_id: secrets.token_bytes(KEY_BYTES)}, path=path)

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        try:
            raw = path.read_text()
        except FileNotFoundError:
            raise KeyRingError(f"no codec key ring at {path}") from None
        except OSError as exc:
            raise KeyRingError(f"cannot read the codec key ring {path}: {exc.strerror}") from None
        _warn_if_shared(path)
        try:
            doc = json.loads(raw)
            keys = {str(k): base64.b64decode(v, validate=True) for k, v in doc["keys"].items()}
            return cls(current=str(doc["current"]), keys=keys, path=path)
        except KeyRingError as exc:
            raise KeyRingError(f"{path}: {exc}") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyRingError(f"{path} is not a codec key ring ({type(exc).__name__}: {exc})") from None

    @classmethod
    def load_or_create(cls, path: Path) -> KeyRing:
        """The ring at `path`, or a new one with a fresh key written there. Processes that start
        together on one home agree on one ring: the new ring is written whole to a temporary file
        and hard-linked into place, which fails if the file exists; whoever loses reads the winner's."""
        try:
            return cls.load(path)
        except KeyRingError:
            if path.exists():  # written by another process meanwhile (or malformed: load says so)
                return cls.load(path)
        ring = cls.fresh(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".codec-keys-", dir=path.parent)  # mkstemp: mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(ring.to_json())
            os.link(tmp, path)
        except FileExistsError:
            return cls.load(path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        log.info("codec key ring created at %s (key %s)", path, ring.current)
        return ring

    def rotated(self) -> KeyRing:
        """This ring with a new key, made current; every older key is kept for decoding."""
        key_id = new_key_id()
        return KeyRing(current=key_id, keys={**self.keys, key_id: secrets.token_bytes(KEY_BYTES)}, path=self.path)

    def to_json(self) -> str:
        keys = {k: base64.b64encode(v).decode() for k, v in self.keys.items()}
        return json.dumps({"current": self.current, "keys": keys}, indent=2) + "\n"

    def save(self, path: Path | None = None) -> Path:
        """Replaces the file atomically (a temporary file of mode 0600 renamed over it)."""
        target = path or self.path
        if target is None:
            raise KeyRingError("the key ring has no file to be saved to")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".codec-keys-", dir=target.parent)  # mkstemp: mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(self.to_json())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target


def new_key_id() -> str:
    """A key id that sorts by creation date and never repeats: e.g. 20261130-5f3a9c1e."""
    return f"{datetime.now(timezone.utc):%Y%m%d}-{secrets.token_hex(4)}"


def _warn_if_shared(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("codec key ring %s is readable by others (mode %o): chmod 600 it", path, stat.S_IMODE(mode))
