"""What a case costs the server: its history events, by type, and the workflow tasks among them."""

import asyncio
from collections import Counter
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

SHAPE = {
    "workflow_tasks": EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    "updates": EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    "activities": EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    "local_activities": EventType.EVENT_TYPE_MARKER_RECORDED,
    "timers": EventType.EVENT_TYPE_TIMER_STARTED,
    "search_attribute_upserts": EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
}


async def history_counts(client: Client, case_id: str) -> tuple[Counter, int]:
    history = await client.get_workflow_handle(case_id).fetch_history()
    size = sum(e.ByteSize() for e in history.events)
    return Counter(EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in history.events), size


async def summarise(client: Client, case_ids: list[str], sample: int = 100) -> dict[str, Any]:
    """Mean events per case (over up to `sample` cases), the shape, and the bytes of history."""
    chosen = case_ids[:sample]
    results = []
    for start in range(0, len(chosen), 20):
        results += await asyncio.gather(*(history_counts(client, cid) for cid in chosen[start:start + 20]))
    if not results:
        return {}
    total: Counter = Counter()
    for counts, _ in results:
        total.update(counts)
    n = len(results)
    shape = {name: round(total[EventType.Name(t).removeprefix("EVENT_TYPE_")] / n, 2) for name, t in SHAPE.items()}
    return {
        "cases_sampled": n,
        "events_per_case": round(sum(total.values()) / n, 1),
        "history_bytes_per_case": round(sum(size for _, size in results) / n),
        "shape": shape,
        "by_type": {k: round(v / n, 2) for k, v in sorted(total.items(), key=lambda kv: -kv[1])},
    }
