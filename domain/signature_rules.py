"""Whether a signed message may be recorded: the right key, not revoked, for this case and stage,
over exactly this content, and not already used."""

import hashlib
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from domain.case import CaseState
from domain.officials import Official
from domain.refusals import Refusal
from domain.signing import Signature, signed_fields, verify


class SignatureRefused(Refusal):
    pass


class KeyInfo(BaseModel):
    """A public key registered for an official post."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    official_id: str
    public_key: str  # base64 raw Ed25519
    registered_at: datetime
    revoked_at: datetime | None = None


def signature_digest(signature: Signature) -> str:
    return hashlib.sha256(signature.value.encode("ascii")).hexdigest()


def check_signature(
    case: CaseState, *, kind: str, stage: str, outcome: str, official: Official, keys: list[KeyInfo],
    signature: Signature | None, now: datetime, meeting_ref: str | None = None, note: str | None = None,
    to_stage: str | None = None, evidence: Any = None, objection_id: str | None = None,
) -> None:
    who = official.official_id
    if signature is None:
        raise SignatureRefused(f"the {kind} of {who} is not signed; every {kind} is signed with its official's key")
    if signature.case_id != case.case_id:
        raise SignatureRefused(
            f"the signature of {who} was made for case {signature.case_id}, not {case.case_id}: a message "
            "cannot be replayed onto another case"
        )
    if signature.stage != stage:
        raise SignatureRefused(
            f"the signature of {who} was made for stage {signature.stage!r}; this {kind} is at {stage!r}"
        )
    key = next((k for k in keys if k.key_id == signature.key_id), None)
    if key is None:
        raise SignatureRefused(f"key {signature.key_id} is not registered to {who}")
    if key.revoked_at is not None and key.revoked_at <= now:
        raise SignatureRefused(f"key {key.key_id} of {who} was revoked at {key.revoked_at.isoformat()}")
    fields = signed_fields(
        kind=kind, case_id=case.case_id, stage=stage, outcome=outcome, official_id=who,
        role=official.role.value, jurisdiction_id=official.jurisdiction_id, signed_at=signature.signed_at,
        meeting_ref=meeting_ref, note=note, to_stage=to_stage, evidence=evidence, objection_id=objection_id,
    )
    if not verify(key.public_key, fields, signature.value):
        raise SignatureRefused(
            f"the signature of {who} does not match this {kind}: it was made over other content or with another key"
        )
    if signature_digest(signature) in case.used_signatures:
        raise SignatureRefused(f"this signed {kind} of {who} was already recorded; a message counts once")
