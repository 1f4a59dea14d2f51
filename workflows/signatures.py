"""签字确认 inside a workflow: the one way a workflow checks a signed message before it records it.

``verify_signed`` reads the official's keys (the caller says how: a stage's cached keys, a local
activity), checks the message with domain.signature_rules.check_signed against the workflow's ledger
(a case, a spot check), and then either records the signature's digest, so the message counts once,
or keeps the refused attempt in the ledger (who tried what, why), logs it and raises a non-retryable
``SignatureRefused`` application error, which fails the update and changes nothing else.
"""

from collections.abc import Awaitable, Callable

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.officials import Official
    from domain.signature_rules import (
        KeyInfo,
        SignatureLedger,
        SignatureRefused,
        check_signed,
        record_accepted,
        record_refused,
    )
    from domain.signing import Signature, SignedMessage

# The official's registered keys: (official id, the key id the message names or None) -> keys.
KeysOf = Callable[[str, str | None], Awaitable[list[KeyInfo]]]


async def verify_signed(
    ledger: SignatureLedger, message: SignedMessage, *, stage: str, official: Official, keys_of: KeysOf,
) -> Signature:
    """The message's signature, once it verified and was recorded in the ledger; else the refusal is
    recorded and ``ApplicationError(type="SignatureRefused", non_retryable=True)`` raised."""
    signature = message.signature
    keys = await keys_of(official.official_id, signature.key_id if signature else None)
    try:
        accepted = check_signed(ledger, message, stage=stage, official=official, keys=keys, now=workflow.now())
    except SignatureRefused as exc:
        record_refused(ledger, message, stage=stage, official_id=official.official_id, reason=str(exc), at=workflow.now())
        workflow.logger.warning(
            "signature_refused", extra={"official_id": official.official_id, "kind": message.signed_kind, "stage": stage},
        )
        raise ApplicationError(str(exc), type=SignatureRefused.__name__, non_retryable=True) from None
    record_accepted(ledger, accepted)
    return accepted
