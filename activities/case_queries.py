"""What the client side asks an open case directly, where the search attributes are not enough."""

from datetime import timedelta

from temporalio.client import Client


async def still_awaited(client: Client, case_id: str, timeout: timedelta) -> list[str]:
    """Who the case still needs ("role@jurisdiction"). Its Awaiting search attribute names everyone its
    current wait began with (domain/waits.py): a signature within a wait publishes nothing."""
    return await client.get_workflow_handle(case_id).query("still_awaited", result_type=list[str], rpc_timeout=timeout)
