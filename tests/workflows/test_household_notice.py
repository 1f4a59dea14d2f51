"""公示: the ≥ 7-day window, objections, dismissal restarting a full window, upholding, lateness."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from activities.registry.schema import ObjectionContact
from tests.support.driver import TS, VD, VS, refused

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_window_closes_at_a_local_midnight_at_least_seven_days_later(driver, household):
    await driver.open(household)
    state = await driver.verify(household)
    window = state.current_notice()
    local = window.closes_at.astimezone(SHANGHAI)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    assert timedelta(days=7) <= window.closes_at - window.opened_at < timedelta(days=8)


async def test_objection_dismissed_starts_a_new_full_window(driver, household, small_store):
    await driver.open(household)
    await driver.verify(household)
    await driver.env.sleep(timedelta(days=3))
    ack = await driver.object(contact="13912345678")
    assert ack.objection_id == "O1"
    state = await driver.state()
    assert [a.role for a in state.awaiting] == ["village_secretary", "village_director"]
    # the close is suspended while the objection is investigated: a long wait changes nothing
    await driver.env.sleep(timedelta(days=10))
    suspended = await driver.state()
    assert suspended.stage == "notice" and len(suspended.notices) == 1 and suspended.notices[0].closed_at is None
    # others may still object while the close is suspended
    assert (await driver.object(name="村民乙")).objection_id == "O2"
    await driver.resolve("O1", "dismiss", official=VS, finding="入户核实，收入属实")
    still = await driver.state()
    assert len(still.notices) == 1, "one objection is still open: no new window yet"
    await driver.resolve("O2", "dismiss", official=VD, finding="经核实无此情况")
    restarted = await driver.until(lambda s: len(s.notices) == 2 and s.current_notice() is not None)
    first, second = restarted.notices
    assert first.outcome == "objected" and first.closed_at is not None
    assert second.opened_at >= first.closed_at
    assert second.closes_at - second.opened_at >= timedelta(days=7)
    await driver.env.sleep(timedelta(days=6))
    assert (await driver.state()).stage == "notice"
    after = await driver.pass_notice()
    assert after.notices[-1].outcome == "passed"
    # the contact is kept in the registry, never in the case
    assert "13912345678" not in after.model_dump_json()
    with small_store.session() as s:
        contacts = [c.contact for c in s.query(ObjectionContact).filter_by(case_id=driver.case_id)]
    assert "13912345678" in contacts
    assert [p.window_no for p in small_store.notices(driver.case_id)] == [1, 2]


async def test_objection_upheld_rejects_the_case(driver, household, small_store):
    await driver.open(household)
    await driver.verify(household)
    ack = await driver.object(reason="家中有人长期患病，收入不稳定")
    # only the village level resolves a household notice
    assert "WrongRole" in await refused(driver.resolve(ack.objection_id, "uphold", official=TS))
    assert "UnknownObjection" in await refused(driver.resolve("O9", "uphold"))
    await driver.resolve(ack.objection_id, "uphold", finding="核实属实，暂缓退出")
    final = await driver.until(lambda s: s.status == "rejected")
    assert "O1 upheld" in final.outcome_reason and "暂缓退出" in final.outcome_reason
    assert final.notices[0].outcome == "objected"
    await driver.client.get_workflow_handle(driver.case_id).result()  # the close is written before the end
    assert small_store.notices(driver.case_id)[0].outcome == "objected"
    assert "closed" in await refused(driver.resolve(ack.objection_id, "dismiss"))
    assert small_store.status_changes(household) == []


async def test_objection_after_the_close_is_refused(driver, household):
    await driver.open(household)
    assert "no public notice is open" in await refused(driver.object())
    await driver.verify(household)
    await driver.pass_notice()
    before = (await driver.state()).model_dump()
    reason = await refused(driver.object())
    assert "NoticeNotOpen" in reason and "closed" in reason
    assert (await driver.state()).model_dump() == before


async def test_resolving_twice_is_refused(driver, household):
    await driver.open(household)
    await driver.verify(household)
    ack = await driver.object()
    await driver.resolve(ack.objection_id, "dismiss")
    assert "already dismissed" in await refused(driver.resolve(ack.objection_id, "uphold"))


async def test_the_case_stores_the_contact_in_the_registry_and_one_objector_objects_once_per_notice(driver, household, small_store):
    await driver.open(household)
    await driver.verify(household)
    ack = await driver.object(name="村民丙", contact="13712345678", reason="收入未计入")
    state = await driver.state()
    (objection,) = state.objections
    with small_store.session() as s:
        from activities.registry.schema import ObjectionContact

        row = s.get(ObjectionContact, objection.contact_ref)
        assert row is not None and row.contact == "13712345678" and row.case_id == driver.case_id
    shown = state.model_dump_json()
    assert "13712345678" not in shown and "objector" not in shown
    # the same objector again, however spelled, while this notice lasts: refused, nothing changes
    again = await refused(driver.object(name=" 村民丙", contact="137-1234-5678", reason="另一理由"))
    assert "AlreadyObjected" in again and "objected already" in again
    assert len((await driver.state()).objections) == 1
    await driver.resolve(ack.objection_id, "dismiss", official=VS, finding="经核实无此情况")
    await driver.until(lambda s: len(s.notices) == 2 and s.current_notice() is not None)
    assert "AlreadyObjected" in await refused(driver.object(name="村民丙", contact="13712345678", reason="再次异议"))
    # a reason of whitespace only never reaches the case
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        await driver.object(name="村民丁", contact="13600000000", reason="   ")
