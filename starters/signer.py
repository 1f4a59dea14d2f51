"""The official's side of 签字确认: private keys on disk (0600, like ssh) and signing messages."""

import functools
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.messages import ConsentCommand, DecisionCommand, ResolutionCommand
from domain.officials import Official
from domain.signing import Signature, key_id, public_key_text, sign, signed_fields
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


def _signature(key: Ed25519PrivateKey, case_id: str, stage: str, fields: dict) -> Signature:
    return Signature(
        key_id=key_id(public_key_text(key.public_key())), signed_at=datetime.fromisoformat(fields["signed_at"]),
        case_id=case_id, stage=stage, value=sign(key, fields),
    )


def sign_decision(key: Ed25519PrivateKey, case_id: str, official: Official, cmd: DecisionCommand) -> DecisionCommand:
    fields = signed_fields(
        kind="decision", case_id=case_id, stage=cmd.stage, outcome=cmd.outcome, official_id=official.official_id,
        role=official.role.value, jurisdiction_id=official.jurisdiction_id, signed_at=datetime.now(timezone.utc),
        meeting_ref=cmd.meeting_ref, note=cmd.note, to_stage=cmd.to_stage, evidence=cmd.record,
    )
    return cmd.model_copy(update={"signature": _signature(key, case_id, cmd.stage, fields)})


def sign_consent(key: Ed25519PrivateKey, case_id: str, stage: str, official: Official, cmd: ConsentCommand) -> ConsentCommand:
    fields = signed_fields(
        kind="consent", case_id=case_id, stage=stage, outcome="consent", official_id=official.official_id,
        role=official.role.value, jurisdiction_id=official.jurisdiction_id, signed_at=datetime.now(timezone.utc),
        note=cmd.note,
    )
    return cmd.model_copy(update={"signature": _signature(key, case_id, stage, fields)})


def sign_resolution(
    key: Ed25519PrivateKey, case_id: str, stage: str, official: Official, cmd: ResolutionCommand
) -> ResolutionCommand:
    fields = signed_fields(
        kind="resolution", case_id=case_id, stage=stage, outcome=cmd.outcome, official_id=official.official_id,
        role=official.role.value, jurisdiction_id=official.jurisdiction_id, signed_at=datetime.now(timezone.utc),
        note=cmd.finding, objection_id=cmd.objection_id,
    )
    return cmd.model_copy(update={"signature": _signature(key, case_id, stage, fields)})
