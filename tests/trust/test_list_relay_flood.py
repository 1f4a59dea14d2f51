"""A list (名单) relays what it is sent to its members; anyone can reach the Temporal frontend and send
it the same list decision again, or one signed with a key the administrator never certified. The
members refuse both; the list must refuse them too, in its validator, or every repeat adds the
relay's activities to the list's history and a record to its state."""

from datetime import timedelta

from domain.list_state import ListDecisionResult
from domain.name_lists import ListDecisionCommand, ListMember
from starters import lists as list_calls
from starters.signer import SIGNING_TIME, load_signer
from tests.conftest import _eligible
from tests.support.driver import VD, refused
from tests.support.list_driver import ListDriver
from tests.support.small_registry import VILLAGE
from tests.trust.conftest import DEV_QUEUE


async def _list_events(driver: ListDriver) -> int:
    return len((await driver.client.get_workflow_handle(driver.list_id).fetch_history()).events)


async def _settled_events(driver: ListDriver) -> int:
    """The list's event count once its refresh after a relay has run (its history stops growing)."""
    import asyncio

    count = -1
    for _ in range(50):
        now = await _list_events(driver)
        if now == count:
            return now
        count = now
        await asyncio.sleep(0.3)
    raise AssertionError("the list's history never settled")


async def _members(driver: ListDriver) -> list[ListMember]:
    _, states = await list_calls.show_list(driver.client, driver.list_id)
    return [ListMember(case_id=s.case_id, stage=s.stage, pass_id=s.pass_id) for s in states]


def _send(driver: ListDriver, cmd: ListDecisionCommand):
    return driver.client.get_workflow_handle(driver.list_id).execute_update("decide", cmd, result_type=ListDecisionResult)


async def _opened(dev_env, dev_worker, small_store, small_keys) -> ListDriver:
    driver = ListDriver(dev_env, small_store, DEV_QUEUE, small_keys)
    await driver.open_list([f"{VILLAGE}-e{next(_eligible):03d}" for _ in range(2)], VILLAGE)
    await driver.members_until(lambda m: m.ready and m.stage == "verification")
    return driver


async def test_a_list_decision_replayed_to_the_list_adds_nothing(dev_env, dev_worker, small_store, small_keys):
    driver = await _opened(dev_env, dev_worker, small_store, small_keys)
    members = await _members(driver)
    await driver.signing_at_server_time()
    cmd = ListDecisionCommand(list_id=driver.list_id, stage="verification", official_id=VD, members=members)
    cmd = load_signer(driver.settings, VD).sign(cmd.list_id, cmd.stage, cmd.pass_binding(), cmd)
    first = await _send(driver, cmd)
    assert sorted(first.accepted) == sorted(m.case_id for m in members)
    events, decisions = await _settled_events(driver), len((await driver.names()).decisions)
    respelled = cmd.model_copy(update={"signature": cmd.signature.model_copy(
        update={"value": cmd.signature.value.rstrip("=")})})
    for _ in range(10):
        assert "counts once" in await refused(_send(driver, cmd))
        await refused(_send(driver, respelled))  # unpadded: not a B64 value, refused as it is decoded
    assert (await _list_events(driver), len((await driver.names()).decisions)) == (events, decisions), \
        "a replayed list decision reached the list's history"


async def test_a_stale_or_rebound_list_decision_adds_nothing(dev_env, dev_worker, small_store, small_keys):
    """Signed an hour ago (a captured message held back), or its signature moved onto another member
    set or stage: refused by the list before any relay."""
    driver = await _opened(dev_env, dev_worker, small_store, small_keys)
    members = await _members(driver)
    events = await _settled_events(driver)
    cmd = ListDecisionCommand(list_id=driver.list_id, stage="verification", official_id=VD, members=members)
    an_hour_ago = await driver.env.get_current_time() - timedelta(hours=1)
    SIGNING_TIME.set(an_hour_ago)
    stale = load_signer(driver.settings, VD).sign(cmd.list_id, cmd.stage, cmd.pass_binding(), cmd)
    assert "not within" in await refused(_send(driver, stale))
    await driver.signing_at_server_time()
    fresh = load_signer(driver.settings, VD).sign(cmd.list_id, cmd.stage, cmd.pass_binding(), cmd)
    dropped = fresh.model_copy(update={"members": members[:1]})
    assert "not made for this list" in await refused(_send(driver, dropped))
    other_stage = fresh.model_copy(update={"stage": "appraisal", "members": [
        m.model_copy(update={"stage": "appraisal"}) for m in members]})
    assert "not made for this list" in await refused(_send(driver, other_stage))
    assert await _list_events(driver) == events, "a refused list decision reached the list's history"
    assert (await driver.names()).decisions == []
