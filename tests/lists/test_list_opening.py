"""三(一)1 "初步拟定贫困户退出名单": a list is opened all or nothing. The list checks every household it
names (the registry's checks of an opening, its village, and that none has a case already) before any
case is opened: one refused household refuses the whole list, naming each refused household and why,
and nothing is opened. On the time-skipping server."""

from temporalio.service import RPCError, RPCStatusCode

from domain.case_ids import case_id
from domain.name_lists import planned_list_id
from starters import lists as list_calls
from tests.support.driver import appraisal, refused
from tests.support.small_registry import OTHER_VILLAGE, VILLAGE


async def _has_no_case(client, cid: str) -> bool:
    try:
        await client.get_workflow_handle(cid).describe()
    except RPCError as exc:
        return exc.status == RPCStatusCode.NOT_FOUND
    return False


async def test_one_refused_household_refuses_the_whole_list_and_nothing_is_opened(lists, homes):
    good = homes(3)
    already = (await lists.open(good[2])).case_id  # a case of its own, opened before the list
    named = [good[0], f"{VILLAGE}-x-at-line", good[1], "nobody-here", f"{OTHER_VILLAGE}-e001", good[2]]
    # on the shared test server another test may have opened one of these itself: what counts is that
    # this refused list opened none
    absent = [h for h in named[:5] if await _has_no_case(lists.client, case_id("household", h, 2017))]
    assert good[0] in absent and good[1] in absent
    reason = await refused(lists.open_list(named, VILLAGE))
    assert reason.startswith("MembersRefused") and "no case was opened" in reason
    assert f"{VILLAGE}-x-at-line: exit criteria not met" in reason
    assert "nobody-here: no household 'nobody-here'" in reason
    assert f"{OTHER_VILLAGE}-e001: not in {VILLAGE}" in reason
    assert f"{good[2]}: already has a case ({already}" in reason
    assert good[0] + ":" not in reason and good[1] + ":" not in reason  # the good ones are not named
    for household in absent:
        assert await _has_no_case(lists.client, case_id("household", household, 2017))

    # the corrected list opens every member
    list_id = await lists.open_list(good[:2], VILLAGE)
    names = await lists.names()
    assert names.list_id == list_id and [m.case_id for m in names.members] == [case_id("household", h, 2017) for h in good[:2]]
    assert all(m.stage == "verification" and m.status == "open" for m in names.members)


def _plan(store, households: list[str], year: int | None) -> None:
    from activities.registry.schema import Household

    with store.session() as s:
        for household in households:
            s.get(Household, household).planned_exit_year = year
        s.commit()


async def test_a_planned_list_takes_the_villages_planned_households_that_meet_the_criteria(lists, homes, small_store):
    """--planned: the village's households planned for the year that meet the criteria and have no
    case yet; the others are left out, named. With none, the list is refused and nothing opened."""
    nothing = await refused(list_calls.open_planned_list(lists.client, lists.settings, "household", VILLAGE, 2017,
                                                         appraisal()))
    assert nothing.startswith("MembersRefused") and f"no household of {VILLAGE} is planned to exit in 2017" in nothing

    good = homes(3)
    already = (await lists.open(good[2])).case_id
    planned = [*good, f"{VILLAGE}-x-unstable"]
    _plan(small_store, planned, 2017)
    try:
        await lists.signing_at_server_time()
        list_id, left_out = await list_calls.open_planned_list(lists.client, lists.settings, "household", VILLAGE, 2017,
                                                               appraisal())
    finally:
        _plan(small_store, planned, None)
    assert list_id == planned_list_id("household", VILLAGE, 2017)
    assert set(left_out) == {good[2], f"{VILLAGE}-x-unstable"}
    assert left_out[good[2]].startswith(f"already has a case ({already}")
    assert left_out[f"{VILLAGE}-x-unstable"].startswith("exit criteria not met")
    lists.list_id = list_id
    names = await lists.names()
    assert names.planned and [m.case_id for m in names.members] == [case_id("household", h, 2017) for h in good[:2]]
    assert all(m.stage == "verification" and m.status == "open" for m in names.members)


async def test_the_opening_report_is_taken_once_and_only_while_opening(lists, homes):
    """`opened` is not signed: once the starter reported, a second report (anyone's) is refused, and a
    report never ends the list on its own."""
    households = homes(2)
    await lists.open_list(households, VILLAGE)
    handle = lists.client.get_workflow_handle(lists.list_id)
    members = [case_id("household", h, 2017) for h in households]
    reason = await refused(handle.execute_update("opened", {members[0]: "forged"}))
    assert "NotOpening" in reason
    names = await lists.names()
    assert all(m.status == "open" for m in names.members)
    assert (await handle.describe()).status.name == "RUNNING"
