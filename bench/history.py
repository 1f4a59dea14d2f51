"""What a case costs the server: its history events, by type, and the workflow tasks among them."""

import asyncio
from collections import Counter
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

SHAPE = {
    "workflow_tasks": "WORKFLOW_TASK_COMPLETED",
    "updates": "WORKFLOW_EXECUTION_UPDATE_ACCEPTED",
    "activities": "ACTIVITY_TASK_SCHEDULED",
    "local_activities": "MARKER_RECORDED:core_local_activity",
    "patches": "MARKER_RECORDED:core_patch",
    "timers": "TIMER_STARTED",
    "search_attribute_upserts": "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES",
}


def _kind(event: Any) -> str:
    """The event type; markers also by name (a local activity's result and a patch are both markers)."""
    name = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
    if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
        return f"{name}:{event.marker_recorded_event_attributes.marker_name}"
    return name


async def history_counts(client: Client, case_id: str) -> tuple[Counter, int]:
    history = await client.get_workflow_handle(case_id).fetch_history()
    size = sum(e.ByteSize() for e in history.events)
    return Counter(_kind(e) for e in history.events), size


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
    shape = {name: round(total[kind] / n, 2) for name, kind in SHAPE.items()}
    return {
        "cases_sampled": n,
        "events_per_case": round(sum(total.values()) / n, 1),
        "history_bytes_per_case": round(sum(size for _, size in results) / n),
        "shape": shape,
        "by_type": {k: round(v / n, 2) for k, v in sorted(total.items(), key=lambda kv: -kv[1])},
    }
