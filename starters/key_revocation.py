"""Revoking a key reaches the open cases at once. A stage reads its officials' keys when it begins;
a key revoked mid-stage is pushed to every open case as a `key_revoked` signal, so a signature
made with it is refused from that moment, not from the stage's end."""

import asyncio
from datetime import datetime, timezone

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.registry.keys import revoke_key
from activities.registry.store import RegistryStore
from domain.signature_rules import KeyInfo
from starters.client import connect
from starters.errors import Unreachable, registry_call
from workers.settings import Settings

OPEN_CASES = "ExitType IS NOT NULL AND ExecutionStatus = 'Running'"

# Visibility may list a case a moment after it started; a second look after this long catches a
# case that read the key just before the revocation but was not listed yet.
VISIBILITY_SETTLE_SECONDS = 2.0


async def tell_open_cases(client: Client, key: KeyInfo, settle: float = VISIBILITY_SETTLE_SECONDS) -> int:
    """Signals every open exit case; returns how many were told. Idempotent: telling twice is harmless."""
    told: set[str] = set()
    for look in range(2):
        if look:
            await asyncio.sleep(settle)
        async for execution in client.list_workflows(OPEN_CASES):
            if execution.id in told:
                continue
            try:
                await client.get_workflow_handle(execution.id).signal("key_revoked", key)
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:  # a case that closed meanwhile needs nothing
                    raise
            told.add(execution.id)
    return len(told)


async def revoke(settings: Settings, store: RegistryStore, key_id: str, by: str, reason: str) -> tuple[KeyInfo, int]:
    """The registry first (it is the record, and a stage that begins later reads it); then the open
    cases. If they cannot be told, say so: the revocation stands, and running it again tells them."""
    info = registry_call(lambda: revoke_key(store, key_id, by, reason, datetime.now(timezone.utc)))
    try:
        client = await connect(settings)
        return info, await tell_open_cases(client, info)
    except (Unreachable, RPCError, RuntimeError) as exc:
        raise Unreachable(
            f"key {info.key_id} of {info.official_id} is revoked in the registry (at {info.revoked_at}), but the open "
            f"cases could not be told now ({exc}); they refuse it from their next stage on. Run this command again "
            "to tell them at once."
        ) from None
