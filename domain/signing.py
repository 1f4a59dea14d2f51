"""签字确认 made verifiable: Ed25519 signatures over a canonical serialisation of what was decided.

What a signature covers is stated once, here: ``signed_content`` builds it from the subject (the
case, check or household record the message is for), the stage, the signing official, the time and
the message's own terms (``SignedMessage.signed_terms``). Every signed command derives from
``SignedMessage``, so the signer, the verifier and the dossier all obtain the content from the
message itself. The bytes signed are that content's JSON (sorted keys, no spaces, UTF-8). Whoever
checks a signature rebuilds the content from what it holds (its own subject id and stage), so a
message replayed onto another case or stage no longer verifies.
"""

import base64
import hashlib
import json
from datetime import datetime
from typing import Any, ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field

from domain.officials import Official


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


class SignedTerms(BaseModel):
    """What a message commits its signer to besides who signs, for what, where and when."""

    model_config = ConfigDict(frozen=True)

    outcome: str
    meeting_ref: str | None = None
    note: str | None = None
    to_stage: str | None = None
    objection_id: str | None = None
    evidence: Any = None  # signed through its SHA-256


def signed_content(
    *, kind: str, subject_id: str, stage: str, official: Official, signed_at: datetime, terms: SignedTerms
) -> dict[str, Any]:
    """The content a signature covers: the subject, the stage, the outcome, the official with their post
    (role and jurisdiction), the time, the meeting ref, the note and the digest of any evidence."""
    return {
        "kind": kind,
        "case_id": subject_id,
        "stage": stage,
        "outcome": terms.outcome,
        "official_id": official.official_id,
        "role": official.role.value,
        "jurisdiction_id": official.jurisdiction_id,
        "signed_at": signed_at.isoformat(),
        "meeting_ref": terms.meeting_ref,
        "note": terms.note,
        "to_stage": terms.to_stage,
        "objection_id": terms.objection_id,
        "evidence_sha256": digest(terms.evidence) if terms.evidence is not None else None,
    }


class SignedMessage(BaseModel):
    """A command an official signs. Each subclass names its kind and its terms; the content signed is
    always ``signed_content`` over them, for the signer and the verifier alike."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    signed_kind: ClassVar[str]

    signature: Signature | None = None

    def signed_terms(self) -> SignedTerms:
        raise NotImplementedError(f"{type(self).__name__} does not say what it signs")

    def signed_content(self, *, subject_id: str, stage: str, official: Official, signed_at: datetime) -> dict[str, Any]:
        return signed_content(
            kind=self.signed_kind, subject_id=subject_id, stage=stage, official=official, signed_at=signed_at,
            terms=self.signed_terms(),
        )


def sign_content(private_key: Ed25519PrivateKey, content: dict[str, Any]) -> str:
    return base64.b64encode(private_key.sign(canonical(content))).decode("ascii")


def verify(public_key_b64: str, content: dict[str, Any], signature_b64: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), canonical(content))
        return True
    except (InvalidSignature, ValueError):
        return False
