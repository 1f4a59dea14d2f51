"""Whether a signed message may be recorded: the right key, not revoked, for this subject and stage,
over exactly the content the message says it signs, and not already used.

One path serves every signed message (exit cases, spot checks, re-entries): ``check_signed`` over a
``SignatureLedger``, the subject's id with the digests of the signatures it has accepted and the
attempts it has refused."""

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from domain.case import RefusedAttempt
from domain.officials import Official
from domain.refusals import Refusal
from domain.signing import Signature, SignedMessage, verify


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


class SignatureLedger(Protocol):
    """What signatures are checked against and recorded in: the subject's id (a signature's ``case_id``
    must name it), the digests of the signatures it accepted, the attempts it refused. A case
    (CaseState) and a spot check (SpotCheckState) are ledgers; a re-entry builds a ``Ledger``."""

    @property
    def subject_id(self) -> str: ...

    used_signatures: list[str]
    refused_attempts: list[RefusedAttempt]


class Ledger(BaseModel):
    """A ledger of its own, for a subject whose state lives elsewhere (a re-entry in the registry, a
    pre-check in the CLI)."""

    subject_id: str
    used_signatures: list[str] = Field(default_factory=list)
    refused_attempts: list[RefusedAttempt] = Field(default_factory=list)


def signature_digest(signature: Signature) -> str:
    return hashlib.sha256(signature.value.encode("ascii")).hexdigest()


def check_signed(
    ledger: SignatureLedger, message: SignedMessage, *, stage: str, official: Official, keys: list[KeyInfo],
    now: datetime,
) -> Signature:
    """The message's signature, if it may be recorded on the ledger at ``stage``; else SignatureRefused.
    Changes nothing: the caller records the outcome (``record_accepted`` / ``record_refused``)."""
    return _check(
        ledger, kind=message.signed_kind, signature=message.signature, stage=stage, official=official, keys=keys,
        now=now, content=lambda signed_at: message.signed_content(
            subject_id=ledger.subject_id, stage=stage, official=official, signed_at=signed_at,
        ),
    )


def record_accepted(ledger: SignatureLedger, signature: Signature) -> None:
    """A signature counts once: its digest is kept, and the same signature is refused afterwards."""
    ledger.used_signatures.append(signature_digest(signature))


def record_refused(
    ledger: SignatureLedger, message: SignedMessage, *, stage: str, official_id: str, reason: str, at: datetime
) -> RefusedAttempt:
    """Keeps a refused attempt in the ledger's audit trail: who tried what, with which key, and why."""
    attempt = RefusedAttempt(
        at=at, kind=message.signed_kind, stage=stage, outcome=message.signed_terms().outcome, official_id=official_id,
        key_id=message.signature.key_id if message.signature else None, reason=reason,
    )
    ledger.refused_attempts.append(attempt)
    return attempt


def _check(
    ledger: SignatureLedger, *, kind: str, signature: Signature | None, stage: str, official: Official,
    keys: list[KeyInfo], now: datetime, content: Callable[[datetime], dict[str, Any]],
) -> Signature:
    who = official.official_id
    subject = ledger.subject_id
    if signature is None:
        raise SignatureRefused(f"the {kind} of {who} is not signed; every {kind} is signed with its official's key")
    if signature.case_id != subject:
        raise SignatureRefused(
            f"the signature of {who} was made for case {signature.case_id}, not {subject}: a message "
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
    if not verify(key.public_key, content(signature.signed_at), signature.value):
        raise SignatureRefused(
            f"the signature of {who} does not match this {kind}: it was made over other content or with another key"
        )
    if signature_digest(signature) in ledger.used_signatures:
        raise SignatureRefused(f"this signed {kind} of {who} was already recorded; a message counts once")
    return signature
