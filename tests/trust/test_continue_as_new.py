"""A case whose history grows towards Temporal's limits (here: a dispute of several objections, each
dismissed with a new window) continues as new at its next wait, carrying the whole case, and goes
on to exit; a client cannot start a case with a carried state of its own making."""

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError

from domain.case import CaseResume
from domain.messages import CaseOutcome, OpenCaseInput
from tests.support.driver import appraisal
from workflows.exit_case import ExitCase
from workflows.household_exit import HouseholdExitWorkflow


async def test_a_long_case_continues_as_new_and_exits_whole(driver, household, monkeypatch):
    monkeypatch.setattr(ExitCase, "CONTINUE_AFTER_EVENTS", 40)
    await driver.open(household)
    first_run = (await driver.client.get_workflow_handle(driver.case_id).describe()).run_id
    await driver.verify(household)
    for n in range(3):
        ack = await driver.object(name=f"村民{n}", contact=f"1380000000{n}")
        await driver.resolve(ack.objection_id, "dismiss")
        await driver.until(lambda s, n=n: len(s.notices) == n + 2 and s.current_notice() is not None)
    await driver.pass_notice()
    await driver.township()
    state = await driver.county()
    handle = driver.client.get_workflow_handle(driver.case_id, result_type=CaseOutcome)
    result = await handle.result()
    assert result.status == "exited" and state.status in ("open", "exited")
    final = await driver.state()
    assert final.status == "exited" and len(final.notices) == 4 and len(final.objections) == 3
    assert [d.official_id for d in final.decisions][:1] == ["changxiao-hepai-secretary"]  # the opening, carried
    first = driver.client.get_workflow_handle(driver.case_id, run_id=first_run)
    events = [e.event_type async for e in first.fetch_history_events()]
    assert events[-1] == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    assert (await handle.describe()).run_id != first_run


async def test_a_client_cannot_start_a_case_with_a_state_of_its_own(driver, household, ts_env):
    """Someone starts a case directly with a `resume` that claims it is already at county approval."""
    await driver.signing_at_server_time()
    opened = await driver.open(household)
    forged_state = opened.model_copy(update={"stage": "county_approval"})
    from domain.officials import Roster

    resume = CaseResume(case=forged_state, roster=Roster()).model_dump(mode="json")
    handle = await ts_env.client.start_workflow(
        HouseholdExitWorkflow.run,
        OpenCaseInput(exit_type="household", unit_id=household, year=2018, first_decision=appraisal(), resume=resume),
        id=f"household-exit/{household}/2018-forged", task_queue=driver.settings.task_queue,
    )
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    assert "carried only from its own previous run" in str(failed.value.cause)
