"""What a list (名单) relays: a list decision signed for this list, lately, once.

Anyone can reach the Temporal frontend and send a list's workflow a list decision. Each member checks
the signature in full (workflows/list_member.py), but a message the list accepts is relayed: its
activities and its record enter the list's history and state even when every member refuses it. So
the list refuses, before it relays, what no member could accept whatever its roster: a signature
made for another list, stage or member set, outside the signing window, or one it relayed before
(as sent or re-spelled: counted by the digest of its bytes).

What the list cannot check, it leaves to the members: the certificate against the pinned root and
the signer's post (the list holds neither; docs/security.md).
"""

from datetime import datetime

from domain.name_lists import ListDecisionCommand, NotOnList
from domain.signature_rules import SIGNED_WITHIN, SKEW, SignatureRefused, signature_digest


def check_relay(cmd: ListDecisionCommand, list_id: str, members: set[str], relayed: list[str], now: datetime) -> str:
    """The digest of the decision's signature, if the list may relay it; else NotOnList or SignatureRefused."""
    if cmd.list_id != list_id:
        raise NotOnList(f"the decision was signed for list {cmd.list_id}, not {list_id}")
    strangers = sorted({m.case_id for m in cmd.members} - members)
    if strangers:
        raise NotOnList(f"not members of {list_id}: {', '.join(strangers)}")
    signature = cmd.signature
    if signature is None:
        raise SignatureRefused("a list decision is signed")
    if (signature.case_id, signature.stage, signature.pass_id) != (list_id, cmd.stage, cmd.pass_binding()):
        raise SignatureRefused(f"the signature was not made for this list's members at {cmd.stage!r}")
    if not now - SIGNED_WITHIN <= signature.signed_at <= now + SKEW:
        raise SignatureRefused(
            f"the list decision was signed at {signature.signed_at.isoformat()}, not within "
            f"{int(SIGNED_WITHIN.total_seconds() // 60)} minutes of the list's clock ({now.isoformat()}): sign it again"
        )
    digest = signature_digest(signature)  # strict base64: a re-spelling is refused or counted as the same bytes
    if digest in relayed:
        raise SignatureRefused("this list decision was relayed already; a message counts once")
    return digest
