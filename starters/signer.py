"""The official's side of 签字确认: private keys on disk (0600, like ssh, optionally passphrase-protected),
the official's identity beside the key, and signing messages.

``load_signer`` is the one place the CLI learns who an official is (role, jurisdiction, person) and
which key they sign with; it reads only the official's own files, never the registry.
"""

from __future__ import annotations

import functools
import json
import os
import stat
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from starters.errors import BadUsage, Refused
from workers.settings import Settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from domain.officials import Official
    from domain.signing import SignedMessage

PASSPHRASE_ENV = "TUOPIN_KEY_PASSPHRASE"
IDENTITY_SUFFIX = ".identity.json"


def write_private_key(path: Path, key: Ed25519PrivateKey, overwrite: bool = False, passphrase: str | None = None) -> None:
    """Created with mode 0600 from the start: the key is never readable by others, not even briefly.
    With a passphrase the PEM is encrypted (PKCS#8, the library's best available scheme)."""
    from cryptography.hazmat.primitives import serialization

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise Refused(f"{path} exists already; pass --force to replace it") from None
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    )
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
    os.chmod(path, 0o600)


def new_key_passphrase() -> str:
    """The passphrase for a new key: TUOPIN_KEY_PASSPHRASE if set, else asked twice on the terminal."""
    import click

    given = os.environ.get(PASSPHRASE_ENV)
    if given is None:
        if not _interactive():
            raise BadUsage(f"--passphrase needs a terminal to ask on, or the passphrase in ${PASSPHRASE_ENV}")
        given = click.prompt("Passphrase for the new key", hide_input=True, confirmation_prompt=True)
    if not given:
        raise BadUsage("an empty passphrase protects nothing")
    return given


def _interactive() -> bool:
    """Whether a passphrase can be asked for: standard input is a terminal."""
    return sys.stdin.isatty()


def identity_path(key_file: Path) -> Path:
    """The official's identity file beside their key: <official>.pem -> <official>.identity.json."""
    return key_file.with_name(key_file.stem + IDENTITY_SUFFIX)


def write_identity(key_file: Path, official: Official) -> Path:
    """Written by whoever hands out the key (the demo seed, an administrator): who signs with it."""
    path = identity_path(key_file)
    path.write_text(json.dumps(official.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def key_path(settings: Settings, official_id: str) -> Path | None:
    for folder in settings.key_dirs():
        candidate = folder / f"{official_id}.pem"
        if candidate.exists():
            return candidate
    return None


class Signer:
    """An official ready to sign: who they are (``official``) and their key (``private_key``, read,
    and its passphrase asked, only when something is signed)."""

    def __init__(self, official: Official, key_file: Path) -> None:
        self.official = official
        self.key_file = key_file

    @functools.cached_property
    def private_key(self) -> Ed25519PrivateKey:
        return _read_private_key(self.key_file)

    def sign(self, subject_id: str, stage: str, message: M, *, signed_at: datetime | None = None) -> M:
        return sign(self.private_key, subject_id, stage, self.official, message, signed_at=signed_at)


def load_signer(settings: Settings, official_id: str, key_file: Path | None = None) -> Signer:
    """The official's key (``--key``, else ``<official>.pem`` in the keys folders) and the identity
    file beside it (``<official>.identity.json``: the official's post, person, role, jurisdiction),
    which must name ``official_id``. Reads nothing but these two files."""
    from pydantic import ValidationError

    from domain.officials import Official

    path = _key_file(settings, official_id, key_file)
    ident = identity_path(path)
    if not ident.exists():
        raise BadUsage(
            f"no identity for {official_id} beside {path} ({ident.name} is missing): ask the key administrator "
            f"for your certificate and keep it next to your key"
        )
    try:
        official = Official.model_validate_json(ident.read_bytes())
    except (ValidationError, ValueError):
        raise BadUsage(f"{ident} is not an official's identity file; ask the key administrator for a new one") from None
    if official.official_id != official_id:
        raise BadUsage(f"{ident} is {official.official_id}'s identity, not {official_id}'s")
    return Signer(official, path)


def load_private_key(settings: Settings, official_id: str, key_file: Path | None = None) -> Ed25519PrivateKey:
    return _read_private_key(_key_file(settings, official_id, key_file))


def _key_file(settings: Settings, official_id: str, key_file: Path | None) -> Path:
    path = key_file or key_path(settings, official_id)
    if path is None:
        raise BadUsage(
            f"no private key for {official_id} (looked in {', '.join(str(d) for d in settings.key_dirs())}); "
            f"create one with `tuopin keys new --as {official_id}` and have it registered"
        )
    return path


def _read_private_key(path: Path) -> Ed25519PrivateKey:
    found = path.stat()
    if found.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise Refused(f"{path} is readable by others (mode {oct(found.st_mode & 0o777)}); `chmod 600 {path}` first")
    data = path.read_bytes()
    passphrase = _passphrase_for(path) if b"ENCRYPTED" in data.split(b"\n", 1)[0] else None
    return _parsed_key(path, found.st_ino, found.st_mtime_ns, found.st_size, passphrase)


def _passphrase_for(path: Path) -> str:
    """An encrypted key's passphrase: TUOPIN_KEY_PASSPHRASE if set, else asked on the terminal."""
    given = os.environ.get(PASSPHRASE_ENV)
    if given is not None:
        return given
    if not _interactive():
        raise BadUsage(f"{path} is protected by a passphrase: run in a terminal, or set ${PASSPHRASE_ENV}")
    import click

    return str(click.prompt(f"Passphrase for {path}", hide_input=True))


@functools.lru_cache(maxsize=64)
def _parsed_key(path: Path, inode: int, mtime_ns: int, size: int, passphrase: str | None) -> Ed25519PrivateKey:
    """Parsed once per file version: a process signing many messages (a service, the bench) does not
    parse the PEM every time; a replaced or rewritten file is a new version and is read again."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=passphrase.encode() if passphrase else None)
    except ValueError as exc:
        if passphrase is not None:
            raise BadUsage(f"wrong passphrase for {path} (or the file is damaged)") from None
        raise BadUsage(f"{path} is not a PEM private key ({exc})") from None
    except TypeError:
        raise BadUsage(f"{path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BadUsage(f"{path} is not an Ed25519 key")
    return key


M = TypeVar("M", bound="SignedMessage")


def sign(
    key: Ed25519PrivateKey, subject_id: str, stage: str, official: Official, message: M, *,
    signed_at: datetime | None = None,
) -> M:
    """The message with the official's signature over what it says it signs (``signed_content``), for
    this subject (a case, a spot check, a household's re-entry) and stage, made now unless told when."""
    from domain.signing import Signature, key_id, public_key_text, sign_content

    at = signed_at or datetime.now(timezone.utc)
    content = message.signed_content(subject_id=subject_id, stage=stage, official=official, signed_at=at)
    signature = Signature(
        key_id=key_id(public_key_text(key.public_key())), signed_at=at, case_id=subject_id, stage=stage,
        value=sign_content(key, content),
    )
    return message.model_copy(update={"signature": signature})
