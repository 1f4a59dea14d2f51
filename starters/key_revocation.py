"""Revoking a key reaches the open cases at once. A stage reads its officials' revocations when it
begins; a key revoked mid-stage is pushed to every open case as a `key_revoked` update carrying the
administrator's signed revocation, so a signature made with it is refused from that moment."""

import asyncio
from datetime import datetime, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from activities.registry.keys import certificate_of, record_revocation
from activities.registry.store import RegistryStore
from domain.certificates import KeyRevocation, issue_revocation
from starters.client import connect, require_worker
from starters.errors import Unreachable, registry_call
from workers.settings import Settings

OPEN_CASES = "ExitType IS NOT NULL AND ExecutionStatus = 'Running'"

# Visibility may list a case a moment after it started; a second look after this long catches a
# case that read the key just before the revocation but was not listed yet.
VISIBILITY_SETTLE_SECONDS = 2.0


async def tell_open_cases(client: Client, key: KeyRevocation, settle: float = VISIBILITY_SETTLE_SECONDS) -> int:
    """Signals every open exit case; returns how many were told. Idempotent: telling twice is harmless."""
    told: set[str] = set()
    for look in range(2):
        if look:
            await asyncio.sleep(settle)
        async for execution in client.list_workflows(OPEN_CASES):
            if execution.id in told:
                continue
            try:
                await client.get_workflow_handle(execution.id).execute_update("key_revoked", key)
            except WorkflowUpdateFailedError:
                pass  # the case knew it already (the update's validator says so and records nothing)
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:  # a case that closed meanwhile needs nothing
                    raise
            told.add(execution.id)
    return len(told)


async def revoke(
    settings: Settings, store: RegistryStore, root: Ed25519PrivateKey, key_id: str, by: str, reason: str
) -> tuple[KeyRevocation, int]:
    """The root signs the revocation; the registry keeps it (it is the record, and a stage that begins
    later reads it); then the open cases are told. If they cannot be, say so: the revocation stands,
    and running it again tells them."""
    cert = registry_call(lambda: certificate_of(store, key_id))
    made = issue_revocation(root, cert, revoked_at=datetime.now(timezone.utc), reason=reason)
    info = registry_call(lambda: record_revocation(store, made, by))
    try:
        client = await connect(settings)
        await require_worker(client, settings.task_queue, "the open cases cannot be told now")
        return info, await tell_open_cases(client, info)
    except (Unreachable, RPCError, RuntimeError) as exc:
        raise Unreachable(
            f"key {info.key_id} of {info.statement.official_id} is revoked in the registry (at {info.statement.revoked_at}), but the open "
            f"cases could not be told now ({exc}); they refuse it from their next stage on. Run this command again "
            "to tell them at once."
        ) from None
