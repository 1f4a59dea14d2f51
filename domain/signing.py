"""签字确认 made verifiable: Ed25519 signatures over a canonical serialisation of what was decided.

The bytes signed are the JSON of the message's fields (sorted keys, no spaces, UTF-8). Whoever
checks a signature rebuilds those bytes from what it holds (its own case id and stage), so a
message replayed onto another case or stage no longer verifies.
"""

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field


def canonical(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def digest(payload: Any) -> str:
    return hashlib.sha256(canonical(payload)).hexdigest()


def public_key_text(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def key_id(public_key_b64: str) -> str:
    """A short fingerprint of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()[:16]


class Signature(BaseModel):
    """What a signer attaches: which key, when, for which case and stage, and the signature itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key_id: str = Field(min_length=16, max_length=16, pattern=r"^[0-9a-f]{16}$")
    signed_at: datetime
    case_id: str = Field(min_length=1, max_length=200)  # the signer's claim, checked against the case
    stage: str = Field(min_length=1, max_length=64)
    value: str = Field(min_length=1, max_length=200)  # base64 Ed25519 signature


def signed_fields(
    *, kind: str, case_id: str, stage: str, outcome: str, official_id: str, role: str, jurisdiction_id: str,
    signed_at: datetime, meeting_ref: str | None = None, note: str | None = None, to_stage: str | None = None,
    evidence: Any = None, objection_id: str | None = None,
) -> dict[str, Any]:
    """The content a signature covers (SPEC: case, stage, outcome, official, role, jurisdiction, time,
    meeting ref, note, digest of the attached evidence)."""
    return {
        "kind": kind,
        "case_id": case_id,
        "stage": stage,
        "outcome": outcome,
        "official_id": official_id,
        "role": role,
        "jurisdiction_id": jurisdiction_id,
        "signed_at": signed_at.isoformat(),
        "meeting_ref": meeting_ref,
        "note": note,
        "to_stage": to_stage,
        "objection_id": objection_id,
        "evidence_sha256": digest(evidence) if evidence is not None else None,
    }


def sign(private_key: Ed25519PrivateKey, fields: dict[str, Any]) -> str:
    return base64.b64encode(private_key.sign(canonical(fields))).decode("ascii")


def verify(public_key_b64: str, fields: dict[str, Any], signature_b64: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), canonical(fields))
        return True
    except (InvalidSignature, ValueError):
        return False
