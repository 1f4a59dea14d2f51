"""What the client side asks an open case directly, where the search attributes are not enough."""

from temporalio.client import Client


async def still_awaited(client: Client, case_id: str) -> list[str]:
    """Who the case still needs ("role@jurisdiction"). Its Awaiting search attribute names everyone its
    current wait began with (domain/waits.py): a signature within a wait publishes nothing."""
    return await client.get_workflow_handle(case_id).query("still_awaited", result_type=list[str])
