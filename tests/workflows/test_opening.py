"""`tuopin open` starts a case and waits for its worker to open it in one request (update-with-start):
no polling, and no extra workflow task from a poll landing while the opening reads the registry."""

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from domain.simulation import Simulation
from starters import cases
from starters.errors import Refused
from tests.support.driver import appraisal


def _event_kinds(history) -> list[str]:
    return [EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in history.events]


async def test_an_opening_is_answered_by_the_case_without_a_single_query(driver, household, monkeypatch):
    async def no_query(*args, **kwargs):
        raise AssertionError("the opening polled the case")

    monkeypatch.setattr(cases, "query", no_query)
    await driver.signing_at_server_time()
    opened = await cases.open_case(driver.client, driver.settings, "household", household, 2017, appraisal())
    assert (opened.status, opened.ready, opened.stage) == ("open", True, "verification")

    history = await driver.client.get_workflow_handle(opened.case_id).fetch_history()
    kinds = _event_kinds(history)
    accepted = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED]
    assert [e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name for e in accepted] == ["opened"]
    # the start, the opening and the answer: one workflow task
    assert kinds.count("WORKFLOW_TASK_COMPLETED") == 1
    assert kinds.index("WORKFLOW_EXECUTION_UPDATE_COMPLETED") > kinds.index("WORKFLOW_TASK_COMPLETED")


async def test_an_opening_the_worker_refuses_is_answered_as_a_refusal_and_fails_the_run(driver, household, monkeypatch):
    """The worker refuses the opening (a simulated case on a production worker): the `opened` update
    answers with the reason, the run fails naming the refusal, and the unit stays free."""
    async def no_query(*args, **kwargs):
        raise AssertionError("the opening polled the case")

    monkeypatch.setattr(cases, "query", no_query)
    await driver.signing_at_server_time()
    with pytest.raises(Refused) as refusal:
        await cases.open_case(driver.client, driver.settings, "household", household, 2017, appraisal(),
                              simulation=Simulation(notice_seconds=60))
    assert refusal.value.kind == "SimulationRefused" and "production worker" in refusal.value.format_message()
    handle = driver.client.get_workflow_handle(f"household-exit/{household}/2017")
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    assert isinstance(failed.value.cause, ApplicationError) and failed.value.cause.type == "SimulationRefused"
    assert failed.value.cause.non_retryable
    monkeypatch.undo()
    assert (await driver.open(household)).status == "open"


async def test_a_case_whose_worker_cannot_answer_the_update_is_polled_instead(driver, household, monkeypatch):
    """A worker from before `opened` rejects the unknown update; the case was started all the same."""
    monkeypatch.setattr(cases, "OPENED_UPDATE", "opened-by-a-newer-worker")
    await driver.signing_at_server_time()
    opened = await cases.open_case(driver.client, driver.settings, "household", household, 2017, appraisal())
    assert (opened.status, opened.ready) == ("open", True)
