"""A case whose first registry step outlasts its workflow task must still replay.

The 10,000-case run found it: under load the opening's local activity (the unit's facts) took longer
than the heartbeat of its workflow task, so the SDK completed that task and went on in a new one; a
patch first asked for *after* the activity was recorded in the new task, but on replay the activity
resolves in the first task, before the patch is announced, and the case stopped with a
non-determinism error as soon as a worker had to replay it. Every patch is now asked for before the
first registry step (ExitCase.decide_case). This test makes the opening slow on purpose, checks that
the workflow task really was split, that the patches come before the activity, and that the history
replays. (The exact race of the run, the activity's result arriving as the task was heartbeated,
cannot be forced from a test; the rule that makes it harmless is what is checked, here and for every
recorded history in tests/test_replay.py.)
"""

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.worker import Replayer

from activities.registry.store import RegistryStore
from domain.case import CaseState
from domain.case_ids import case_id as make_case_id
from domain.messages import OpenCaseInput
from starters.signer import load_private_key, sign_decision
from tests.support.driver import VS, appraisal
from workers.data_converter import DATA_CONVERTER
from workers.runner import workflow_runner
from workers.worker import build_worker
from workflows.household_exit import HouseholdExitWorkflow
from workflows.registry import ALL_WORKFLOWS

TASK_TIMEOUT = timedelta(seconds=1)  # the SDK heartbeats a workflow task at 80 % of it
SLOW = 1.6  # seconds the registry takes to read the unit's facts


class SlowRegistry(RegistryStore):
    def household_case_data(self, household_id: str):  # type: ignore[override]
        time.sleep(SLOW)
        return super().household_case_data(household_id)


async def test_a_case_whose_opening_outlasts_its_workflow_task_replays(ts_env, small_store, small_keys, policy, household):
    from workers.settings import Settings

    queue = f"slow-opening-{uuid.uuid4()}"
    slow = SlowRegistry(small_store.engine)
    settings = Settings(registry_url=str(small_store.engine.url), task_queue=queue, keys_dir=small_keys)
    case_id = make_case_id("household", household, 2017, None)
    first = sign_decision(load_private_key(settings, VS), case_id, small_store.official(VS), appraisal())
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(ts_env.client, slow, policy, queue, executor):
            handle = await ts_env.client.start_workflow(
                HouseholdExitWorkflow.run,
                OpenCaseInput(exit_type="household", unit_id=household, year=2017, first_decision=first),
                id=case_id, task_queue=queue, task_timeout=TASK_TIMEOUT,
            )
            for _ in range(200):
                state = await handle.query("state", result_type=CaseState)
                if state.ready:
                    break
                await asyncio.sleep(0.05)
            assert state.ready and state.status == "open" and state.stage == "verification", state.outcome_reason
            history = await handle.fetch_history()
            await handle.terminate("test over")

    kinds = [e.event_type for e in history.events]
    facts_read = next(
        i for i, e in enumerate(history.events)
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
    )
    tasks_before = kinds[:facts_read].count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
    assert tasks_before >= 2, "the opening did not outlast its workflow task: the test proves nothing"
    patches = [
        i for i, e in enumerate(history.events)
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED and e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]
    assert len(patches) == 1 and max(patches) < facts_read, "every patch is asked for before the first registry step"

    replayer = Replayer(workflows=ALL_WORKFLOWS, data_converter=DATA_CONVERTER, workflow_runner=workflow_runner())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"the case does not replay: {result.replay_failure}"
