"""四.4 强化监督问责 on the time-skipping server, the referral of an adverse finding:

    "对不符合条件或未完整履行退出程序的，要责成相关地方进行核查处理"

A procedure left incomplete (未完整履行退出程序) is not a false exit (不符合条件): the finding names the
kind, the township reports (核查) and the county decides (处理) to have the missing steps redone, and the
exit stands. Every attack on the referral is refused and changes nothing:
a report by someone who is not the township's party secretary or head, a second signature on a
different report, a decision before the report, a decision by one person in two posts, a redo without
steps or with a step the exit never had, a third signature.

And "乡镇要召开党政班子成员会议、县级要召开…会议集体研究，并由党政主要领导签字确认" (四.3): the report and the
decision each cite a meeting and carry both principal leaders' signatures.
"""

from datetime import date

import pytest
from pydantic import ValidationError

from activities.registry import supervision as registry
from activities.registry.schema import Household
from domain.buffer import BufferRule
from domain.spot_check_referral import DecisionOnReferral
from starters import supervision
from tests.support.driver import CH, CS, TH, TS, VS, refused
from tests.support.small_registry import COUNTY, OTHER_TOWNSHIP, TOWNSHIP
from tests.supervision.conftest import INSPECTOR, exit_household, household

YEAR = 2019
SEED = 2019_44
UNIT = household(5)
MEETING_T = "长校镇党政班子会议纪要〔2019〕2号"
MEETING_C = "县委常委会议纪要〔2019〕3号"
FINDING = "公示未在村内张贴，仅在系统中登记"
REPORT = "经核查：该户符合退出标准，但村内公示未实际张贴，公示程序未完整履行"
ACTING = f"{COUNTY}-acting-head"  # the county secretary's person in the county head's post (一肩挑)


async def test_an_incomplete_procedure_is_reported_and_redone_and_the_exit_stands(sv_driver, sv_store) -> None:
    settings, client = sv_driver.settings, sv_driver.client
    sv_driver.working_year(YEAR)
    await exit_household(sv_driver, UNIT, YEAR)
    await sv_driver.signing_at_server_time()
    state = await supervision.start_check(client, settings, YEAR, 100, INSPECTOR, seed=SEED)
    cid = state.check_id
    others = [e for e in state.sample if e.unit_id != UNIT]  # exits of the year other tests made
    for e in others:
        await supervision.record_finding(client, settings, cid, e.unit_id, "confirmed", e.verifier_id or INSPECTOR, "属实")

    # nothing to report or decide before an adverse finding
    assert (await refused(supervision.report_referral(
        client, settings, cid, UNIT, "incomplete", TS, MEETING_T, REPORT, ("notice",)))).startswith("ReferralRefused")
    ack = await supervision.record_finding(client, settings, cid, UNIT, "incomplete", INSPECTOR, FINDING)
    assert ack.registry_change is None
    state = await supervision.show_check(client, cid)
    [entry] = [e for e in state.sample if e.unit_id == UNIT]
    assert entry.referral is not None and entry.referral.township_id == TOWNSHIP
    assert (entry.referral.finding, entry.referral.status) == ("incomplete", "referred")

    # -- the township's report: its party secretary and head, one report -------------------------
    reasons = [
        # a village official, another township's secretary, a county leader: not this township's leaders
        await refused(supervision.report_referral(client, settings, cid, UNIT, "incomplete", VS, MEETING_T, REPORT, ("notice",))),
        await refused(supervision.report_referral(
            client, settings, cid, UNIT, "incomplete", f"{OTHER_TOWNSHIP}-secretary", MEETING_T, REPORT, ("notice",))),
        await refused(supervision.report_referral(client, settings, cid, UNIT, "incomplete", CS, MEETING_T, REPORT, ("notice",))),
        # an incomplete procedure names the steps; only steps the household exit has
        await refused(supervision.report_referral(client, settings, cid, UNIT, "incomplete", TS, MEETING_T, REPORT)),
        await refused(supervision.report_referral(
            client, settings, cid, UNIT, "incomplete", TS, MEETING_T, REPORT, ("survey",))),
        # the county cannot decide before the township reports
        await refused(supervision.decide_referral(client, settings, cid, UNIT, "redo", CS, MEETING_C, "补正", ("notice",))),
    ]
    assert [r.split(":")[0] for r in reasons] == [
        "UnknownOfficial", "UnknownOfficial", "UnknownOfficial", "ReferralRefused", "ReferralRefused", "ReferralRefused",
    ], reasons
    first = await supervision.report_referral(client, settings, cid, UNIT, "incomplete", TS, MEETING_T, REPORT, ("notice",))
    assert first.status == "referred" and first.awaiting == [f"township_head@{TOWNSHIP}"]
    # the head co-signs the same report: another conclusion, meeting or steps is refused; the secretary twice too
    reasons = [
        await refused(supervision.report_referral(client, settings, cid, UNIT, "false_exit", TH, MEETING_T, REPORT)),
        await refused(supervision.report_referral(
            client, settings, cid, UNIT, "incomplete", TH, "另一次会议", REPORT, ("notice",))),
        await refused(supervision.report_referral(
            client, settings, cid, UNIT, "incomplete", TH, MEETING_T, REPORT, ("notice", "verification"))),
        await refused(supervision.report_referral(client, settings, cid, UNIT, "incomplete", TS, MEETING_T, REPORT, ("notice",))),
    ]
    assert [r.split(":")[0] for r in reasons] == [
        "ReferralRefused", "ReferralRefused", "ReferralRefused", "AlreadySigned"], reasons
    reported = await supervision.report_referral(client, settings, cid, UNIT, "incomplete", TH, MEETING_T, REPORT, ("notice",))
    assert reported.status == "reported" and reported.awaiting == [f"county_secretary@{COUNTY}", f"county_head@{COUNTY}"]

    # -- the county's decision: secretary and head, one meeting, one decision ---------------------
    with pytest.raises(ValidationError):  # a redo names its steps, a reversal none
        DecisionOnReferral(unit_id=UNIT, ruling="redo", official_id=CS, meeting_ref=MEETING_C, note="补正")
    reasons = [
        await refused(supervision.decide_referral(client, settings, cid, UNIT, "redo", TS, MEETING_C, "补正", ("notice",))),
        await refused(supervision.decide_referral(client, settings, cid, UNIT, "redo", INSPECTOR, MEETING_C, "补正", ("notice",))),
        await refused(supervision.decide_referral(client, settings, cid, UNIT, "redo", CS, MEETING_C, "补正", ("survey",))),
    ]
    assert [r.split(":")[0] for r in reasons] == ["UnknownOfficial", "WrongRole", "ReferralRefused"], reasons
    await supervision.decide_referral(client, settings, cid, UNIT, "redo", CS, MEETING_C, "责成长校镇重新张贴公示", ("notice",))
    reasons = [
        # one person in both posts cannot fill both signatures
        await refused(supervision.decide_referral(client, settings, cid, UNIT, "redo", ACTING, MEETING_C, "同意", ("notice",))),
        # the head co-signs the same decision
        await refused(supervision.decide_referral(client, settings, cid, UNIT, "reverse", CH, MEETING_C, "撤销")),
        await refused(supervision.decide_referral(client, settings, cid, UNIT, "redo", CH, "另一次会议", "同意", ("notice",))),
    ]
    assert [r.split(":")[0] for r in reasons] == ["SamePerson", "ReferralRefused", "ReferralRefused"], reasons
    with sv_store.session() as s:
        assert s.get(Household, UNIT).status == "exited"
        assert registry.findings(sv_store, check_id=cid, unit_id=UNIT)[0]["disposition"] is None
    decided = await supervision.decide_referral(client, settings, cid, UNIT, "redo", CH, MEETING_C, "同意", ("notice",))
    assert decided.status == "decided" and decided.awaiting == []
    assert decided.registry_change["redo"] and decided.registry_change["steps"] == ["notice"]

    # the exit stands, recorded with the order to redo; it is no false exit
    with sv_store.session() as s:
        row = s.get(Household, UNIT)
        assert (row.status, row.exited_case_id) == ("exited", f"household-exit/{UNIT}/{YEAR}")
    [found] = registry.findings(sv_store, check_id=cid, unit_id=UNIT)
    assert (found["verdict"], found["disposition"], found["reversed"]) == ("incomplete", "redo", False)
    assert found["referral"]["redo_steps"] == ["notice"]
    assert [x["official_id"] for x in found["referral"]["report_signers"]] == [TS, TH]
    assert found["referral"]["report_meeting_ref"] == MEETING_T
    flags = {r["household_id"]: r for r in registry.households_supervised(sv_store, BufferRule(), date(2020, 1, 1))}
    assert flags[UNIT]["redo_check_id"] == cid and not flags[UNIT]["false_exit"]
    # a third signature, and anything after the check completed, are refused
    assert await refused(supervision.decide_referral(client, settings, cid, UNIT, "redo", ACTING, MEETING_C, "同意", ("notice",)))
    state = await supervision.show_check(client, cid)
    for _ in range(100):
        if state.status == "completed":
            break
        state = await supervision.show_check(client, cid)
    assert state.status == "completed"
    from domain.spot_check import summarize

    s = summarize(state)
    assert (s.incomplete, s.false_exits, s.referrals_open, s.redo_units, s.reversed_units) == (1, 0, 0, [UNIT], [])
