"""A village's households on one list (名单) through to 销号, officials signing the list once per
stage, one member returned by the township; on the time-skipping server."""

import copy

from activities.registry.schema import Household
from domain.dossier import verify_dossier
from starters.dossier_commands import export_dossier
from workers.trust import read_root
from domain.name_lists import MemberException
from tests.support.driver import CG, CH, CS, TH, TS, VD, WT
from tests.support.small_registry import VILLAGE

TOWNSHIP_MEETING = "长校镇党委会议纪要〔2017〕9号"
COUNTY_MEETING = "县委常委会〔2017〕12号"


async def test_a_list_exits_its_households_and_a_returned_member_goes_on_alone(lists, homes, small_store):
    homes = homes(3)
    household, third = homes[0], homes[2]
    list_id = await lists.open_list(homes, VILLAGE)
    assert list_id.startswith(f"household-list/{VILLAGE}/2017/")
    names = await lists.names()
    assert [m.case_id for m in names.members] == [f"household-exit/{h}/2017" for h in homes]
    assert names.stage == "verification" and names.status == "open"
    first = await lists.member(household)
    assert first.decisions[0].record["attendance"] == 35  # each member carries the one meeting's record

    # 核实: the 两委 and the work team verify the list in one signature each; consent stays per household
    for official in (VD, WT):
        result = await lists.sign("verification", official)
        assert sorted(result.accepted) == sorted(m.case_id for m in names.members) and not result.refused
    await lists.consent_all(homes)
    await lists.members_until(lambda m: m.stage == "notice")
    posted = await lists.pass_list_notice(VILLAGE)
    assert sorted(posted.accepted) == sorted(m.case_id for m in names.members) and not posted.refused
    await lists.members_until(lambda m: m.stage == "township_review")

    returned = f"household-exit/{third}/2017"
    back = MemberException(case_id=returned, outcome="return", reason="收入核算有误，请村里重新核实", to_stage="verification")
    result = await lists.sign("township_review", TS, TOWNSHIP_MEETING, [back])
    assert len(result.accepted) == 3
    await lists.sign("township_review", TH, TOWNSHIP_MEETING)  # the returned member is no longer at this stage
    at_county = await lists.members_until(lambda m: m.case_id == returned or m.stage == "county_approval")
    assert next(m for m in at_county if m.case_id == returned).stage == "verification"

    for official, meeting in ((CG, "县扶贫领导小组会议〔2017〕3号"), (CS, COUNTY_MEETING), (CH, COUNTY_MEETING)):
        result = await lists.sign("county_approval", official, meeting)
        assert len(result.accepted) == 2 and returned not in result.accepted
    done = await lists.members_until(lambda m: m.case_id == returned or m.status == "exited")
    for member in done:
        if member.case_id != returned:
            assert member.status == "exited"
            signed = [d for d in member.decisions if d.stage in ("township_review", "county_approval")]
            assert len(signed) == 5 and all(d.signed_list and d.signed_list["list_id"] == list_id for d in signed)
            assert all(d.signature.case_id == list_id for d in signed)
    with small_store.session() as s:
        assert s.get(Household, household).status == "exited"
        assert s.get(Household, third).status != "exited"
    still = await lists.member(third)
    assert still.status == "open" and still.stage == "verification"
    names = await lists.names()
    assert names.status == "open" and names.stage == "verification"  # the returned member holds the list open

    # the member's dossier carries each list signature with the signed member list; verify checks it
    member = f"household-exit/{household}/2017"
    doc = await export_dossier(lists.client, lists.store, member)
    root = read_root(lists.settings.trust_dir)
    assert verify_dossier(doc, root) == []
    listed = [e for e in doc["entries"] if e["kind"] == "decision" and e["data"].get("signed_list")]
    assert len(listed) == 8  # two verifications, the notice posted, two township, three county: one list signature each
    assert all(member in [m["case_id"] for m in e["data"]["signed_list"]["members"]] for e in listed)

    def problems_after(change) -> list[str]:
        forged = copy.deepcopy(doc)
        change(next(e for e in forged["entries"] if e["kind"] == "decision" and e["data"].get("signed_list"))["data"])
        return [p.message for p in verify_dossier(forged, root)]

    def swap(data):  # this member's line names another case
        line = next(m for m in data["signed_list"]["members"] if m["case_id"] == member)
        line["case_id"] = "household-exit/x/2017"

    def drop(data):  # another member taken off the signed list
        data["signed_list"]["members"] = [m for m in data["signed_list"]["members"] if m["case_id"] == member]

    assert any("not on the signed list" in p for p in problems_after(swap))
    assert any("member digest" in p for p in problems_after(drop))

