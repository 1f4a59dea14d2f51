"""The official's side of 签字确认: private keys on disk (0600, like ssh, optionally passphrase-protected),
the key's certificate beside it, and signing messages.

``load_signer`` is the one place the CLI learns who an official is (post, person, role, jurisdiction)
and which key they sign with: from the certificate the key administrator issued for the key
(`<official>.cert.json` beside `<official>.pem`). It reads only the official's own files, never the
registry; the case checks the certificate against the administrator's root it pins.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import sys
from contextvars import ContextVar
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from starters.errors import BadUsage, Refused
from workers.settings import Settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from domain.certificates import KeyCertificate
    from domain.officials import Official
    from domain.signing import SignedMessage

PASSPHRASE_ENV = "TUOPIN_KEY_PASSPHRASE"
CERTIFICATE_SUFFIX = ".cert.json"

# The time a signature says it was made: the wall clock, unless the process drives cases on a server
# whose clock is not (the time-skipping test server, a demo server whose clock is advanced): such a
# driver sets this to the server's time around its calls. A case refuses a signature made far from
# its own clock (domain.signature_rules.SIGNED_WITHIN).
SIGNING_TIME: ContextVar[datetime | None] = ContextVar("SIGNING_TIME", default=None)


def signing_now() -> datetime:
    return SIGNING_TIME.get() or datetime.now(timezone.utc)


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


def certificate_path(key_file: Path) -> Path:
    """An official's certificate lies beside the private key: <official>.pem -> <official>.cert.json."""
    return key_file.with_name(key_file.name.removesuffix(".pem") + CERTIFICATE_SUFFIX)


def key_path(settings: Settings, official_id: str) -> Path | None:
    for folder in settings.key_dirs():
        candidate = folder / f"{official_id}.pem"
        if candidate.exists():
            return candidate
    return None


class Signer:
    """An official ready to sign: who they are (``official``, as their certificate names them), the
    certificate, and their key (``private_key``, read, and its passphrase asked, only when something
    is signed)."""

    def __init__(self, certificate: KeyCertificate, key_file: Path) -> None:
        self.certificate = certificate
        self.official = certified_official(certificate)
        self.key_file = key_file

    @functools.cached_property
    def private_key(self) -> Ed25519PrivateKey:
        return _read_private_key(self.key_file)

    def sign(self, subject_id: str, stage: str, pass_id: str, message: M, *, signed_at: datetime | None = None) -> M:
        return sign(self.private_key, self.certificate, subject_id, stage, pass_id, message, signed_at=signed_at)


def load_signer(settings: Settings, official_id: str, key_file: Path | None = None) -> Signer:
    """The official's key (``--key``, else ``<official>.pem`` in the keys folders) and the certificate
    beside it, which must name ``official_id``. Reads nothing but these two files."""
    return Signer(load_certificate(settings, official_id, key_file), _key_file(settings, official_id, key_file))


def load_certificate(settings: Settings, official_id: str, key_file: Path | None = None) -> KeyCertificate:
    """The certificate the key administrator issued for the official's key (`tuopin officials register`
    writes it with --out; keep it beside the private key)."""
    from pydantic import ValidationError

    from domain.certificates import KeyCertificate

    cert_file = certificate_path(_key_file(settings, official_id, key_file))
    try:
        cert = KeyCertificate.model_validate_json(cert_file.read_bytes())
    except FileNotFoundError:
        raise BadUsage(
            f"no certificate for {official_id} at {cert_file}: the key administrator issues it when registering "
            f"your public key (`tuopin officials register --out`); keep it there"
        ) from None
    except (ValidationError, ValueError):
        raise BadUsage(f"{cert_file} is not a key certificate; ask the key administrator for a new one") from None
    if cert.official_id != official_id:
        raise BadUsage(f"{cert_file} certifies a key of {cert.official_id}, not of {official_id}")
    return cert


def certified_official(cert: KeyCertificate) -> Official:
    """The post as the certificate names it: what the signer signs as (the case compares it with its roster)."""
    from domain.officials import Official
    from domain.roles import Role

    st = cert.statement
    return Official(official_id=st.official_id, person_id=st.person_id, name=st.official_id, role=Role(st.role),
                    jurisdiction_id=st.jurisdiction_id)


def load_private_key(settings: Settings, official_id: str, key_file: Path | None = None) -> Ed25519PrivateKey:
    return _read_private_key(_key_file(settings, official_id, key_file))


def _key_file(settings: Settings, official_id: str, key_file: Path | None) -> Path:
    path = key_file or key_path(settings, official_id)
    if path is None:
        folders = settings.key_dirs()
        close = closest_officials(official_id, folders)
        raise BadUsage(
            f"unknown official {official_id}: no private key for {official_id} in {', '.join(str(d) for d in folders)}"
            + (f"; did you mean {' or '.join(close)}?" if close else "")
            + f" (if {official_id} is you: `tuopin keys new --as {official_id}`, then have it registered)"
        )
    return path


def closest_officials(official_id: str, folders: list[Path]) -> list[str]:
    """The ids of the keys in ``folders`` nearest to a mistyped one (at most three)."""
    import difflib

    known = {p.name.removesuffix(".pem") for d in folders if d.is_dir() for p in d.glob("*.pem")}
    return difflib.get_close_matches(official_id, sorted(known), n=3, cutoff=0.75)


MAX_KEY_FILE = 16 * 1024
PEM_KEY = re.compile(rb"^-----BEGIN (ENCRYPTED )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (ENCRYPTED )?PRIVATE KEY-----\s*$")


def _read_private_key(path: Path) -> Ed25519PrivateKey:
    data, found = _checked_key_file(path)
    passphrase = _passphrase_for(path) if data.startswith(b"-----BEGIN ENCRYPTED") else None
    return _parsed_key(path, found.st_ino, found.st_mtime_ns, found.st_size, passphrase)


def _checked_key_file(path: Path) -> tuple[bytes, os.stat_result]:
    """What the file holds is checked first (a file that is no key is refused as such, whatever its
    mode), then that only its owner can read it; the passphrase is asked only after both."""
    try:
        with path.open("rb") as handle:  # at most a key's worth: --key /dev/zero ends too
            data = handle.read(MAX_KEY_FILE + 1)
        found = path.stat()
    except OSError as exc:
        raise BadUsage(f"cannot read the key {path}: {exc.strerror}") from None
    if len(data) > MAX_KEY_FILE or not PEM_KEY.match(data):
        raise BadUsage(f"{path} is not a private key (a PEM file as `tuopin keys new` writes it); check --key")
    if found.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise Refused(f"{path} is readable by others (mode {oct(found.st_mode & 0o777)}); `chmod 600 {path}` first")
    return data, found


def check_signer(settings: Settings, official_id: str, key_file: Path | None = None) -> Signer:
    """The signer, its key file and certificate checked before anything is sent (the passphrase, if
    any, is asked only when something is signed)."""
    signer = load_signer(settings, official_id, key_file)
    _checked_key_file(signer.key_file)
    return signer


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
    key: Ed25519PrivateKey, certificate: KeyCertificate, subject_id: str, stage: str, pass_id: str, message: M, *,
    signed_at: datetime | None = None,
) -> M:
    """The message with the official's signature over what it says it signs (``signed_content``), for
    this subject (a case, a spot check, a household's re-entry), stage and pass of it, made now unless
    told when. The certificate travels with the signature: the case needs no registry to check it."""
    from domain.signing import Signature, public_key_text, sign_content

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
    """Signs with the official's own key and certificate, found as `load_signer` finds them."""
    return load_signer(settings, official_id, key_file).sign(subject_id, stage, pass_id, message)
