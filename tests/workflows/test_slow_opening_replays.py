"""A case whose first registry step outlasts its workflow task must still replay.

Under load the opening's local activity (the unit's facts) can take longer than the heartbeat of its
workflow task; the SDK then completes that task and goes on in a new one. On replay the activity
resolves in the first task. Anything the workflow records between the two (a `workflow.patched`
marker asked for after the activity, say) would then be out of order and the case would stop with a
non-determinism error when a worker replays it: so from the first release on, a patch is asked for
before the first registry step (docs/deployment.md). This test makes the opening slow on purpose,
checks that the workflow task really was split, and that the history replays.
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
from domain.signing import OPENING_PASS
from starters.signer import load_certificate, load_private_key, sign
from tests.support import small_registry
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
    first = appraisal()
    first = sign(load_private_key(settings, VS), load_certificate(settings, VS), case_id, first.stage, OPENING_PASS, first,
                 signed_at=await ts_env.get_current_time())
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(ts_env.client, slow, policy, queue, executor, trust=small_registry.trust(small_keys)):
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

    replayer = Replayer(workflows=ALL_WORKFLOWS, data_converter=DATA_CONVERTER, workflow_runner=workflow_runner())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"the case does not replay: {result.replay_failure}"
