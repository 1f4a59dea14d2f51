"""Whether a signed message may be recorded.

The key is certified by the pinned administrator root and names this official, in this post, held
by this person; it is not revoked; the signature was made for this subject, this stage and the
current pass of it, within the time window around the subject's own clock, over exactly the content
the message says it signs; and its bytes were never accepted before.

One path serves every signed message (exit cases, spot checks, re-entries): ``check_signed`` over a
``SignatureLedger``. It is pure, so an update's validator runs it: a message that fails it is
refused before it reaches the workflow's history.
"""

import hashlib
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, Field

from domain.case import RefusedAttempt
from domain.certificates import CertificateRefused, KeyRevocation, check_certificate, check_revocation, strict_b64
from domain.officials import Official
from domain.refusals import Refusal
from domain.signing import Signature, SignedMessage, verify

# A signature is fresh from SIGNED_WITHIN before the subject's clock to SKEW after it: long enough for
# the CLI's round trip and a county office PC's clock, short enough that a captured message is stale
# before anyone can use it elsewhere (it is also bound to one pass of one stage, and counts once).
SIGNED_WITHIN = timedelta(minutes=10)
SKEW = timedelta(minutes=5)
# The audit trail of refused attempts a ledger keeps (the newest); every refusal is also logged.
REFUSED_KEPT = 50


class SignatureRefused(Refusal):
    pass


class SignatureLedger(Protocol):
    """What signatures are checked against and recorded in: the subject's id (a signature's ``case_id``
    must name it), the pinned root its keys must chain to, the revocations it has seen, the digests of
    the signatures it accepted and the attempts it refused. A case (CaseState) and a spot check
    (SpotCheckState) are ledgers; a re-entry builds a ``Ledger``."""

    @property
    def subject_id(self) -> str: ...

    trust_root: str | None
    revoked_keys: dict[str, datetime]
    used_signatures: list[str]
    refused_attempts: list[RefusedAttempt]


class Ledger(BaseModel):
    """A ledger of its own, for a subject whose state lives elsewhere (a re-entry in the registry)."""

    subject_id: str
    trust_root: str | None = None
    revoked_keys: dict[str, datetime] = Field(default_factory=dict)
    used_signatures: list[str] = Field(default_factory=list)
    refused_attempts: list[RefusedAttempt] = Field(default_factory=list)


def signature_digest(signature: Signature) -> str:
    """The digest of the signature's bytes (not of their spelling)."""
    return hashlib.sha256(strict_b64(signature.value, 64)).hexdigest()


def accept_revocation(ledger: SignatureLedger, revocation: KeyRevocation) -> None:
    """Remembers a revocation signed by the pinned root; refuses any other. A revocation the ledger
    has seen stays: a registry that later loses it changes nothing here."""
    if ledger.trust_root is None:
        raise SignatureRefused("no pinned root to check the revocation against")
    try:
        check_revocation(revocation, ledger.trust_root)
    except CertificateRefused as exc:
        raise SignatureRefused(str(exc)) from None
    s = revocation.statement
    known = ledger.revoked_keys.get(s.key_id)
    ledger.revoked_keys[s.key_id] = s.revoked_at if known is None else min(known, s.revoked_at)


def check_signed(
    ledger: SignatureLedger, message: SignedMessage, *, stage: str, pass_id: str, official: Official, now: datetime,
) -> Signature:
    """The message's signature, if it may be recorded on the ledger at ``stage`` in pass ``pass_id``;
    else SignatureRefused. Changes nothing: the caller records the outcome."""
    kind, who, signature = message.signed_kind, official.official_id, message.signature
    if signature is None:
        raise SignatureRefused(f"the {kind} of {who} is not signed; every {kind} is signed with its official's key")
    cert = signature.certificate.statement
    if ledger.trust_root is None:
        raise SignatureRefused(f"{ledger.subject_id} holds no pinned root yet; try again in a moment")
    try:
        check_certificate(signature.certificate, ledger.trust_root)
    except CertificateRefused as exc:
        raise SignatureRefused(f"the key of this {kind} is not certified: {exc}") from None
    if cert.official_id != who:
        raise SignatureRefused(f"key {cert.key_id} is certified for {cert.official_id}, not for {who}")
    if (cert.person_id, cert.role, cert.jurisdiction_id) != (official.person_id, official.role.value, official.jurisdiction_id):
        raise SignatureRefused(
            f"key {cert.key_id} was certified for {who} held by {cert.person_id} as {cert.role}@{cert.jurisdiction_id}; "
            f"the post is now held by {official.person_id} as {official.role.value}@{official.jurisdiction_id}"
        )
    revoked_at = ledger.revoked_keys.get(cert.key_id)
    if revoked_at is not None and revoked_at <= now:
        raise SignatureRefused(f"key {cert.key_id} of {who} was revoked at {revoked_at.isoformat()}")
    if signature.case_id != ledger.subject_id:
        raise SignatureRefused(
            f"the signature of {who} was made for {signature.case_id}, not {ledger.subject_id}: a message "
            "cannot be replayed onto another case"
        )
    if signature.stage != stage:
        raise SignatureRefused(f"the signature of {who} was made for stage {signature.stage!r}; this {kind} is at {stage!r}")
    if signature.pass_id != pass_id:
        raise SignatureRefused(
            f"the signature of {who} was made for pass {signature.pass_id!r} of {stage!r}; the stage is now in pass "
            f"{pass_id!r} (a message from before a return cannot be sent again)"
        )
    if not now - SIGNED_WITHIN <= signature.signed_at <= now + SKEW:
        raise SignatureRefused(
            f"the signature of {who} was made at {signature.signed_at.isoformat()}, not within "
            f"{int(SIGNED_WITHIN.total_seconds() // 60)} minutes of the case's clock ({now.isoformat()}): sign it again"
        )
    if signature.signed_at < cert.valid_from:
        raise SignatureRefused(f"key {cert.key_id} is valid from {cert.valid_from.isoformat()}, after the signature")
    content = message.signed_content(
        subject_id=ledger.subject_id, stage=stage, pass_id=pass_id, official=official, key=cert.key_id,
        signed_at=signature.signed_at,
    )
    if not verify(cert.public_key, content, signature.value):
        raise SignatureRefused(
            f"the signature of {who} does not match this {kind}: it was made over other content or with another key"
        )
    if signature_digest(signature) in ledger.used_signatures:
        raise SignatureRefused(f"this signed {kind} of {who} was already recorded; a message counts once")
    return signature


def record_accepted(ledger: SignatureLedger, signature: Signature) -> None:
    """A signature counts once: the digest of its bytes is kept, and the same bytes are refused afterwards."""
    ledger.used_signatures.append(signature_digest(signature))


def record_refused(
    ledger: SignatureLedger, message: SignedMessage, *, stage: str, official_id: str, reason: str, at: datetime
) -> RefusedAttempt:
    """Keeps a refused attempt in the ledger's audit trail (the newest REFUSED_KEPT): who tried what,
    with which key, and why."""
    attempt = RefusedAttempt(
        at=at, kind=message.signed_kind, stage=stage, outcome=message.signed_terms().outcome, official_id=official_id,
        key_id=message.signature.key_id if message.signature else None, reason=reason,
    )
    ledger.refused_attempts.append(attempt)
    del ledger.refused_attempts[:-REFUSED_KEPT]
    return attempt
