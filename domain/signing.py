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
from datetime import datetime
from typing import Annotated, Any, ClassVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field

from domain.canonical import canonical, digest, key_id, public_key_text
from domain.certificates import KeyCertificate
from domain.officials import Official

__all__ = [  # canonical, digest, key_id and public_key_text are re-exported: signing code finds them here
    "OPENING_PASS", "Signature", "SignedMessage", "SignedTerms", "canonical", "digest", "key_id", "public_key_text",
    "sign_content", "signed_content", "verify",
]

# The first pass of a case's first stage: its record is signed before the case exists. Every later
# pass of a stage gets a fresh id from the case when it begins (shown by `tuopin show --json`).
OPENING_PASS = "opening"


class Signature(BaseModel):
    """What a signer attaches: the certificate of the key that signed, when, for which case, stage and
    pass of that stage, and the signature itself (base64 of the 64 raw bytes, one spelling only)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    certificate: KeyCertificate
    signed_at: datetime
    case_id: str = Field(min_length=1, max_length=200)  # the signer's claim, checked against the subject
    stage: str = Field(min_length=1, max_length=64)
    pass_id: str = Field(min_length=1, max_length=64)
    value: Annotated[str, Field(min_length=88, max_length=88, pattern=r"^[A-Za-z0-9+/]{86}==$")]

    @property
    def key_id(self) -> str:
        return self.certificate.key_id


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
    *, kind: str, subject_id: str, stage: str, pass_id: str, official: Official, key: str, signed_at: datetime,
    terms: SignedTerms,
) -> dict[str, Any]:
    """The content a signature covers: the subject, the stage and the pass of it, the outcome, the
    official with their post (role and jurisdiction), the signing key's id, the time, the meeting ref,
    the note and the digest of any evidence."""
    return {
        "kind": kind,
        "case_id": subject_id,
        "stage": stage,
        "pass_id": pass_id,
        "key_id": key,
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

    def signed_content(
        self, *, subject_id: str, stage: str, pass_id: str, official: Official, key: str, signed_at: datetime
    ) -> dict[str, Any]:
        return signed_content(
            kind=self.signed_kind, subject_id=subject_id, stage=stage, pass_id=pass_id, official=official, key=key,
            signed_at=signed_at, terms=self.signed_terms(),
        )


def sign_content(private_key: Ed25519PrivateKey, content: dict[str, Any]) -> str:
    return base64.b64encode(private_key.sign(canonical(content))).decode("ascii")


def verify(public_key_b64: str, content: dict[str, Any], signature_b64: str) -> bool:
    """Whether the signature verifies; both base64 values are read one way only (domain.certificates)."""
    from domain.certificates import ed25519_verifies

    return ed25519_verifies(public_key_b64, canonical(content), signature_b64)
