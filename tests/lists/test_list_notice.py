"""三(一)2 "并在村内公示不少于7天无异议后,报乡镇人民政府审核" for a list (三(一)1 "初步拟定贫困户退出名单"): the
village posts the list's one notice and records its posting once; each member hears the signed posting
from the list and checks it itself before it counts as its own posting. An objection names one member
and affects that member only; the others go on together. On the time-skipping server."""

from datetime import timedelta

from domain.case_ids import case_id
from domain.list_notice import ListPostingCommand
from domain.list_views import notice_print
from domain.messages import CaseAck
from domain.name_lists import ListMember
from starters import cases, lists as list_calls
from starters.list_commands import _document
from starters.signer import load_signer
from tests.support.driver import TS, VD, WT, refused
from tests.support.small_registry import VILLAGE

TOWNSHIP_MEETING = "长校镇党委会议纪要〔2017〕9号"


async def _to_the_notice(lists, households: list[str]) -> None:
    await lists.open_list(households, VILLAGE)
    for official in (VD, WT):
        await lists.sign("verification", official)
    await lists.consent_all(households)
    await lists.members_until(lambda m: m.stage == "notice")


async def test_one_posting_for_the_list_and_an_upheld_objection_rejects_one_member_only(lists, homes):
    households = homes(3)
    await _to_the_notice(lists, households)
    ids = [case_id("household", h, 2017) for h in households]
    objected = ids[1]

    printed = notice_print(await _document(lists.client, lists.list_id))
    assert printed.count("公示期：自张贴之日起不少于7天") == 3 and all(h in printed for h in households)

    posted = await lists.post_list_notice(VILLAGE)
    assert sorted(posted.accepted) == sorted(ids) and not posted.refused
    members = await lists.members_until(lambda m: m.current_notice() is not None)
    for member in members:
        mine = [d for d in member.decisions if d.outcome == "posted"]
        assert len(mine) == 1 and mine[0].signature.case_id == lists.list_id  # the one list signature
        assert [m["case_id"] for m in mine[0].signed_list["members"]] == ids
    names = await lists.names()
    assert [d.kind for d in names.decisions] == ["decision", "decision", "posting"]
    doc = await _document(lists.client, lists.list_id)
    assert [m["case_id"] for m in doc["notice"]["members"]] == ids and all(m["posted"] for m in doc["notice"]["members"])
    assert notice_print(doc).count("至") == 3

    lists.case_id = objected
    ack = await lists.object()
    await lists.resolve(ack.objection_id, "uphold", finding="经入户核实，家庭收入未稳定超过扶贫标准")
    assert (await cases.show(lists.client, objected)).status == "rejected"

    await lists.env.sleep(timedelta(days=8))
    members = await lists.members_until(lambda m: m.case_id == objected or m.stage == "township_review")
    assert {m.case_id: (m.stage, m.status) for m in members if m.case_id != objected} == {
        c: ("township_review", "open") for c in ids if c != objected}
    result = await lists.sign("township_review", TS, TOWNSHIP_MEETING)
    assert sorted(result.accepted) == sorted(c for c in ids if c != objected)  # the others go on together
    assert (await lists.names()).stage == "township_review"


async def _signed_posting(driver, members: list[ListMember], list_id: str | None = None) -> ListPostingCommand:
    await driver.signing_at_server_time()
    at = await driver.env.get_current_time()
    cmd = ListPostingCommand(list_id=list_id or driver.list_id, official_id=driver.store_poster("village_secretary", VILLAGE),
                             posted_at=at, place="村委会公示栏", members=members)
    return load_signer(driver.settings, cmd.official_id).sign(cmd.list_id, "notice", cmd.pass_binding(), cmd)


async def _send(driver, target: str, cmd: ListPostingCommand) -> CaseAck:
    return await driver.client.get_workflow_handle(target).execute_update("list_notice_posted", cmd, result_type=CaseAck)


def _postings(state) -> int:
    return len([d for d in state.decisions if d.outcome == "posted"])


async def test_attacks_on_the_list_posting_are_refused_by_the_member(lists, homes):
    """A list posting relayed to a non-member, a member swapped, a posting for another list, a stale
    pass, a replay: each is refused by the case it reaches, and nothing reaches its history."""
    households = homes(3)
    await _to_the_notice(lists, households[:2])
    outsider = (await lists.open(households[2])).case_id  # a single case at its own notice, on no list
    for official in (VD, WT):
        await lists.decide("verification", official)
    await lists.consent(f"{households[2]}-head")
    from domain.notice_posting import awaiting_posting
    await lists.members_until(awaiting_posting)
    outside = await lists.until(awaiting_posting)
    _, states = await list_calls.show_list(lists.client, lists.list_id)
    members = [ListMember(case_id=s.case_id, stage=s.stage, pass_id=s.pass_id) for s in states]
    stranger = ListMember(case_id=outsider, stage="notice", pass_id=outside.pass_id)

    # relayed to a non-member: the outsider is not on the signed list
    cmd = await _signed_posting(lists, members)
    reason = await refused(_send(lists, outsider, cmd))
    assert "NotOnList" in reason and "not on the list" in reason
    # the list relays only its own members
    grown = await _signed_posting(lists, [*members, stranger])
    assert "NotOnList" in await refused(list_calls.send_list_posting(lists.client, grown))
    # a member swapped after signing: the signature no longer covers the list
    swapped = cmd.model_copy(update={"members": [members[0], stranger]})
    assert "SignatureRefused" in await refused(_send(lists, outsider, swapped))
    assert "SignatureRefused" in await refused(_send(lists, members[0].case_id, swapped))
    # another list's id, or a member in another pass of its notice
    moved = cmd.model_copy(update={"list_id": lists.list_id.rsplit("/", 1)[0] + "/000000000000"})
    assert "SignatureRefused" in await refused(_send(lists, members[0].case_id, moved))
    stale = await _signed_posting(lists, [members[0].model_copy(update={"pass_id": "notice#9"}), members[1]])
    assert "record the posting again" in await refused(_send(lists, members[0].case_id, stale))
    for target in (outsider, *(m.case_id for m in members)):
        assert _postings(await cases.show(lists.client, target)) == 0  # refused by the validator: nothing recorded

    # the real posting, then its replay: directly to a member, and through the list
    result = await list_calls.send_list_posting(lists.client, cmd)
    assert sorted(result.accepted) == sorted(m.case_id for m in members)
    again = await refused(_send(lists, members[0].case_id, cmd))
    assert "AlreadySigned" in again or "SignatureRefused" in again
    # through the list: the list itself refuses it (domain/list_relay.py), before any member sees it
    assert "relayed already" in await refused(list_calls.send_list_posting(lists.client, cmd))
    for m in members:
        assert _postings(await cases.show(lists.client, m.case_id)) == 1
    assert _postings(await cases.show(lists.client, outsider)) == 0
