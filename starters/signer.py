"""The official's side of 签字确认: private keys on disk (0600, like ssh) and signing messages."""

import functools
from contextvars import ContextVar
import os
import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.certificates import KeyCertificate
from domain.officials import Official
from domain.roles import Role
from domain.signing import Signature, SignedMessage, public_key_text, sign_content
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

# The time a signature says it was made: the wall clock, unless the process drives cases on a server
# whose clock is not (the time-skipping test server, a demo server whose clock is advanced): such a
# driver sets this to the server's time around its calls. A case refuses a signature made far from
# its own clock (domain.signature_rules.SIGNED_WITHIN).
SIGNING_TIME: ContextVar[datetime | None] = ContextVar("SIGNING_TIME", default=None)


def signing_now() -> datetime:
    return SIGNING_TIME.get() or datetime.now(timezone.utc)


def certificate_path(key_file: Path) -> Path:
    """An official's certificate lies beside the private key: `<official>.cert.json`."""
    return key_file.with_name(key_file.name.removesuffix(".pem") + ".cert.json")


def load_certificate(settings: Settings, official_id: str, key_file: Path | None = None) -> KeyCertificate:
    """The certificate the key administrator issued for the official's key (`tuopin officials register`
    prints it; keep it beside the private key)."""
    path = key_file or key_path(settings, official_id)
    if path is None:
        raise BadUsage(f"no private key for {official_id}; create one with `tuopin keys new --as {official_id}`")
    cert_file = certificate_path(path)
    try:
        cert = KeyCertificate.model_validate_json(cert_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadUsage(
            f"no certificate for {official_id} at {cert_file}: the key administrator issues it when registering "
            f"your public key (`tuopin officials register`); save it there"
        ) from None
    except ValueError as exc:
        raise BadUsage(f"{cert_file} is not a key certificate: {str(exc).splitlines()[0]}") from None
    if cert.official_id != official_id:
        raise BadUsage(f"{cert_file} certifies a key of {cert.official_id}, not of {official_id}")
    return cert


def certified_official(cert: KeyCertificate) -> Official:
    """The post as the certificate names it: what the signer signs as (the case compares it with its roster)."""
    st = cert.statement
    return Official(official_id=st.official_id, person_id=st.person_id, name=st.official_id, role=Role(st.role),
                    jurisdiction_id=st.jurisdiction_id)


def sign(
    key: Ed25519PrivateKey, certificate: KeyCertificate, subject_id: str, stage: str, pass_id: str, message: M, *,
    signed_at: datetime | None = None,
) -> M:
    """The message with the official's signature over what it says it signs (``signed_content``), for
    this subject (a case, a spot check, a household's re-entry), stage and pass of it, made now unless
    told when. The certificate travels with the signature: the case needs no registry to check it."""
    if certificate.statement.public_key != public_key_text(key.public_key()):
        raise BadUsage(f"the certificate of {certificate.official_id} is for another key than the one given")
    at = signed_at or signing_now()
    content = message.signed_content(
        subject_id=subject_id, stage=stage, pass_id=pass_id, official=certified_official(certificate),
        key=certificate.key_id, signed_at=at,
    )
    signature = Signature(
        certificate=certificate, signed_at=at, case_id=subject_id, stage=stage, pass_id=pass_id,
        value=sign_content(key, content),
    )
    return message.model_copy(update={"signature": signature})


def sign_as(
    settings: Settings, official_id: str, key_file: Path | None, subject_id: str, stage: str, pass_id: str, message: M,
) -> M:
    """Signs with the official's own key and certificate, found as `load_private_key` finds them."""
    return sign(
        load_private_key(settings, official_id, key_file), load_certificate(settings, official_id, key_file),
        subject_id, stage, pass_id, message,
    )
