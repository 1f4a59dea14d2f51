"""The determinism guard: every recorded history must replay on the current workflow code. A change
that fails here would break cases already running; see README ("Changing a workflow safely")."""

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workers.data_converter import DATA_CONVERTER
from workers.runner import workflow_runner
from workflows.registry import ALL_WORKFLOWS

FOLDER = Path(__file__).parent / "histories"
WORKFLOW_IDS = json.loads((FOLDER / "workflow_ids.json").read_text(encoding="utf-8"))
# Record them anew after a change meant to alter them (tests/histories/record.py); from the first real
# release on, keep the histories of every release whose cases may still be open (docs/deployment.md).
HISTORIES = sorted(p for p in FOLDER.rglob("*.json") if p.name != "workflow_ids.json")
CURRENT = sorted(p for p in FOLDER.glob("*.json") if p.name != "workflow_ids.json" and not p.stem.startswith("spotcheck")
                 and p.stem != "household-list")  # a list (名单) calls no registry and publishes nothing


def test_there_is_a_history_for_every_exit_type():
    names = {path.stem.split("-")[0] for path in HISTORIES}
    assert names >= {"household", "village", "township", "county", "spotcheck", "enrollment"}


@pytest.mark.parametrize("path", HISTORIES, ids=[str(p.relative_to(FOLDER).with_suffix("")) for p in HISTORIES])
async def test_recorded_history_replays(path: Path):
    history = WorkflowHistory.from_json(WORKFLOW_IDS[path.name], path.read_text(encoding="utf-8"))
    replayer = Replayer(workflows=ALL_WORKFLOWS, data_converter=DATA_CONVERTER, workflow_runner=workflow_runner())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name} no longer replays: {result.replay_failure}"


@pytest.mark.parametrize("path", CURRENT, ids=[p.stem for p in CURRENT])
def test_a_case_started_now_calls_the_registry_inside_its_workflow_tasks(path: Path):
    """Exit cases call the registry through local activities and schedule no server-side activity while
    the registry answers (workflows/registry_steps.py)."""
    events = json.loads(path.read_text(encoding="utf-8"))["events"]
    kinds = [e["eventType"] for e in events]
    assert "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED" not in kinds
    markers = [e["markerRecordedEventAttributes"] for e in events if e["eventType"] == "EVENT_TYPE_MARKER_RECORDED"]
    assert any(m["markerName"] == "core_local_activity" for m in markers)


@pytest.mark.parametrize("path", CURRENT, ids=[p.stem for p in CURRENT])
def test_a_case_started_now_publishes_its_search_attributes_at_most_once_a_workflow_task(path: Path):
    """Each upsert is a history event and a visibility write; a decision that ends a stage and the
    stage that follows it in the same workflow task share one (workflows/case_publisher.py)."""
    events = json.loads(path.read_text(encoding="utf-8"))["events"]
    per_task, ours = [], 0
    for event in events:
        if event["eventType"] == "EVENT_TYPE_WORKFLOW_TASK_COMPLETED":
            per_task.append(ours)
            ours = 0
        elif event["eventType"] == "EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES":
            fields = event["upsertWorkflowSearchAttributesEventAttributes"]["searchAttributes"]["indexedFields"]
            ours += 1
            assert "TemporalChangeVersion" not in fields
    per_task.append(ours)
    assert max(per_task) == 1, f"upserts per workflow task: {per_task}"


@pytest.mark.parametrize("path", HISTORIES, ids=[str(p.relative_to(FOLDER).with_suffix("")) for p in HISTORIES])
def test_the_first_release_records_no_patch(path: Path):
    """Nothing ran before the first release: its workflows carry no `workflow.patched` branch. From the
    first real release on, a change to workflow code is patched (docs/deployment.md) and this test
    names the patches a release may record."""
    events = json.loads(path.read_text(encoding="utf-8"))["events"]
    markers = [e["markerRecordedEventAttributes"]["markerName"] for e in events if e["eventType"] == "EVENT_TYPE_MARKER_RECORDED"]
    assert "core_patch" not in markers
