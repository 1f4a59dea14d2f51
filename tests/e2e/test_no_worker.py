"""A case that no worker serves: the CLI's questions to it end in time with "unreachable" (exit 3) and
say what is missing, instead of hanging for the server's 30 s and calling it a refusal."""

from datetime import timedelta

import pytest
from temporalio.client import WithStartWorkflowOperation, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy

from starters import cases
from starters import client as client_module
from starters.errors import Unreachable

CASE = "household-exit/changxiao-shaping-h001/2017"


@pytest.fixture
async def unserved_case(dev_server):
    handle = await dev_server.client.start_workflow("HouseholdExitWorkflow", id=CASE, task_queue="tuopin-no-worker")
    yield handle
    await handle.terminate("test over")


async def test_questions_to_a_case_no_worker_serves_end_as_unreachable(dev_server, unserved_case, monkeypatch):
    monkeypatch.setattr(client_module, "QUERY_TIMEOUT", timedelta(seconds=1))
    for ask in (cases.show, cases.progress):
        with pytest.raises(Unreachable, match="is `tuopin worker` running") as info:
            await ask(dev_server.client, CASE)
        assert CASE in str(info.value)
    with pytest.raises(Unreachable, match="is `tuopin worker` running") as info:
        await cases.wait_until_ready(unserved_case, timeout=5)
    assert info.value.exit_code == 3


async def test_an_opening_no_worker_answers_ends_as_unreachable(dev_server):
    """The start goes through; the answer the opening waits for never comes: exit 3 in time, and says why."""
    case = "household-exit/changxiao-shaping-h002/2017"
    start = WithStartWorkflowOperation("HouseholdExitWorkflow", id=case, task_queue="tuopin-no-worker",
                                       id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
    try:
        with pytest.raises(Unreachable, match="no worker has opened it yet") as info:
            await cases.start_and_wait_opened(dev_server.client, case, start, timeout=3)
        assert info.value.exit_code == 3
        assert (await dev_server.client.get_workflow_handle(case).describe()).status == WorkflowExecutionStatus.RUNNING
    finally:
        await dev_server.client.get_workflow_handle(case).terminate("test over")
