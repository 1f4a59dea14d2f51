"""The official's side of 签字确认: private keys on disk (0600, like ssh) and signing messages."""

import functools
import os
import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.officials import Official
from domain.signing import Signature, SignedMessage, key_id, public_key_text, sign_content
from starters.errors import BadUsage, Refused
from workers.settings import Settings


def write_private_key(path: Path, key: Ed25519PrivateKey, overwrite: bool = False) -> None:
    """Created with mode 0600 from the start: the key is never readable by others, not even briefly."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise Refused(f"{path} exists already; pass --force to replace it") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.chmod(path, 0o600)


def key_path(settings: Settings, official_id: str) -> Path | None:
    for folder in settings.key_dirs():
        candidate = folder / f"{official_id}.pem"
        if candidate.exists():
            return candidate
    return None


def load_private_key(settings: Settings, official_id: str, key_file: Path | None = None) -> Ed25519PrivateKey:
    path = key_file or key_path(settings, official_id)
    if path is None:
        raise BadUsage(
            f"no private key for {official_id} (looked in {', '.join(str(d) for d in settings.key_dirs())}); "
            f"create one with `tuopin keys new --as {official_id}` and have it registered"
        )
    found = path.stat()
    if found.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise Refused(f"{path} is readable by others (mode {oct(found.st_mode & 0o777)}); `chmod 600 {path}` first")
    return _parsed_key(path, found.st_ino, found.st_mtime_ns, found.st_size)


@functools.lru_cache(maxsize=64)
def _parsed_key(path: Path, inode: int, mtime_ns: int, size: int) -> Ed25519PrivateKey:
    """Parsed once per file version: a process signing many messages (a service, the bench) does not
    parse the PEM every time; a replaced or rewritten file is a new version and is read again."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError):
        raise BadUsage(f"{path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BadUsage(f"{path} is not an Ed25519 key")
    return key


M = TypeVar("M", bound=SignedMessage)


def sign(
    key: Ed25519PrivateKey, subject_id: str, stage: str, official: Official, message: M, *,
    signed_at: datetime | None = None,
) -> M:
    """The message with the official's signature over what it says it signs (``signed_content``), for
    this subject (a case, a spot check, a household's re-entry) and stage, made now unless told when."""
    at = signed_at or datetime.now(timezone.utc)
    content = message.signed_content(subject_id=subject_id, stage=stage, official=official, signed_at=at)
    signature = Signature(
        key_id=key_id(public_key_text(key.public_key())), signed_at=at, case_id=subject_id, stage=stage,
        value=sign_content(key, content),
    )
    return message.model_copy(update={"signature": signature})
