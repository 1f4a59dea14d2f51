"""签字确认 inside a workflow: the one way a workflow checks a signed message before it records it.

The check (domain.signature_rules.check_signed) is pure, so an update's validator runs it first and a
message that fails is refused before it reaches history; the handler runs it again (the ledger may
have moved since) and records the signature's digest, so the message counts once. A refusal in the
handler is kept in the ledger's bounded audit trail, logged, and raised as a non-retryable
``SignatureRefused`` application error, which fails the update and changes nothing else.
"""

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.officials import Official
    from domain.signature_rules import SignatureLedger, SignatureRefused, check_signed, record_accepted, record_refused
    from domain.signing import Signature, SignedMessage


def refuse_unsigned(ledger: SignatureLedger, message: SignedMessage, *, stage: str, pass_id: str, official: Official) -> None:
    """For a validator: raises the refusal (logged, not recorded: a validator changes nothing)."""
    try:
        check_signed(ledger, message, stage=stage, pass_id=pass_id, official=official, now=workflow.now())
    except SignatureRefused as exc:
        workflow.logger.warning("message_refused", extra={
            "official_id": official.official_id, "kind": message.signed_kind, "stage": stage,
            "key_id": message.signature.key_id if message.signature else None, "reason": str(exc),
        })
        raise ApplicationError(str(exc), type=SignatureRefused.__name__, non_retryable=True) from None


def verify_signed(ledger: SignatureLedger, message: SignedMessage, *, stage: str, pass_id: str, official: Official) -> Signature:
    """The message's signature, once it verified and was recorded in the ledger; else the refusal is
    recorded and ``ApplicationError(type="SignatureRefused", non_retryable=True)`` raised."""
    try:
        accepted = check_signed(ledger, message, stage=stage, pass_id=pass_id, official=official, now=workflow.now())
    except SignatureRefused as exc:
        record_refused(ledger, message, stage=stage, official_id=official.official_id, reason=str(exc), at=workflow.now())
        workflow.logger.warning(
            "signature_refused", extra={"official_id": official.official_id, "kind": message.signed_kind, "stage": stage},
        )
        raise ApplicationError(str(exc), type=SignatureRefused.__name__, non_retryable=True) from None
    record_accepted(ledger, accepted)
    return accepted
