"""The updates that carry no official's signature (the reminder sweep's record, the opening's answer)
are refused by their validators when they could only grow the case: a flood of them changes nothing
and, on a real server, adds nothing to the history."""

from datetime import datetime, timezone

from domain.messages import ReminderCommand
from tests.support.driver import refused


async def _events(driver) -> int:
    return len((await driver.client.get_workflow_handle(driver.case_id).fetch_history()).events)


async def test_reminders_about_another_wait_or_again_are_refused(dev_driver, household):
    driver = dev_driver
    state = await driver.open(household)
    handle = driver.client.get_workflow_handle(driver.case_id)
    stale = ReminderCommand(kind="reminder", recipient="village_director@changxiao-hepai", stage=state.stage,
                            waiting_since=datetime(2017, 1, 1, tzinfo=timezone.utc))
    events = await _events(driver)
    for _ in range(20):
        assert "StaleReminder" in await refused(handle.execute_update("record_reminder", stale))
    assert await _events(driver) == events
    current = stale.model_copy(update={"waiting_since": state.awaiting_since})
    await handle.execute_update("record_reminder", current)
    events = await _events(driver)
    assert "AlreadyKnown" in await refused(handle.execute_update("record_reminder", current))
    assert await _events(driver) == events
    assert len((await driver.state()).reminders) == 1


async def test_the_opening_answer_is_refused_once_the_case_is_open(dev_driver, household):
    driver = dev_driver
    await driver.open(household)
    handle = driver.client.get_workflow_handle(driver.case_id)
    events = await _events(driver)
    for _ in range(20):
        assert "AlreadyOpen" in await refused(handle.execute_update("opened"))
    assert await _events(driver) == events
