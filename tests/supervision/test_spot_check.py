"""强化监督问责 (四.4) on the time-skipping server: two households exit in 2017; the county leading group
spot-checks 100 % of that year's exits; refused findings change nothing; a false-exit finding names who
signed the exit and is referred to the township (责成相关地方进行核查处理), whose report the county decides
on: the reversal undoes the exit in the registry and flags the household; the verifiers are reminded after
the limit; the check completes with its summary; the household later exits again, for 2018."""

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from activities.registry import supervision as registry
from activities.registry.outbox import outbox
from activities.registry.plan_queries import read_plan_facts
from activities.registry.schema import Household, SpotCheckFinding
from domain.buffer import BufferRule
from domain.spot_check import CheckSummary, FindingCommand, SpotCheckState, draw_sample, summarize
from starters import supervision
from starters.errors import Refused
from starters.supervision_commands import check_text
from tests.support.driver import CG, CH, CS, TH, TS, VD, VS, WT, refused
from tests.support.small_registry import TOWNSHIP
from tests.supervision.conftest import INSPECTOR, exit_household, household

SEED = 20170
FALSE, CONFIRMED = household(1), household(2)
NOTE = "入户核查：家庭务工收入未达标，住房仍为危房"
TOWNSHIP_MEETING = "长校镇党政班子会议纪要〔2018〕4号"
REPORT = "经核查：2017年人均可支配收入2900元，低于扶贫标准，不符合退出条件"
COUNTY_MEETING = "县委常委会议纪要〔2018〕6号"
DECISION = "同意乡镇核查意见，撤销该户2017年脱贫退出"


async def _until(driver, cid: str, predicate, tries: int = 200) -> SpotCheckState:
    for _ in range(tries):
        state = await supervision.show_check(driver.client, cid)
        if predicate(state):
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition never held; last state: {state.status}, reminders {len(state.reminders)}")


def _persons(store, year: int) -> int:
    return sum(t.persons for t in read_plan_facts(store).actual.households if t.year == year)


async def test_a_spot_check_finds_a_false_exit_which_later_exits_again(sv_driver, sv_store) -> None:
    settings = sv_driver.settings
    client = sv_driver.client
    for hid in (FALSE, CONFIRMED):
        await exit_household(sv_driver, hid, 2017)
    persons_2017, persons_2018 = _persons(sv_store, 2017), _persons(sv_store, 2018)

    # -- starting: only the county leading group; only a year with exits -------------------------
    with pytest.raises(Refused) as wrong:
        await supervision.start_check(client, settings, 2017, 100, "changxiao-secretary", seed=SEED, county_id="qingliu")
    assert wrong.value.kind == "UnknownOfficial"
    with pytest.raises(Refused) as role:
        await supervision.start_check(client, settings, 2017, 100, CS, seed=SEED)
    assert role.value.kind == "WrongRole"
    with pytest.raises(Refused) as empty:
        await supervision.start_check(client, settings, 2016, 100, CG, seed=SEED)
    assert empty.value.kind == "NoExits"

    await sv_driver.signing_at_server_time()
    state = await supervision.start_check(client, settings, 2017, 100, CG, seed=SEED, remind_after_days=30)
    cid = state.check_id
    assert cid == f"spot-check/qingliu/2017/{SEED}" and state.status == "open"
    sampled = {e.unit_id: e for e in state.sample}
    assert set(sampled) == {FALSE, CONFIRMED}  # 100 % of the year's exits, drawn from the seed
    exits = registry.exits_of_year(sv_store, "qingliu", 2017)
    assert [u.unit_id for u in draw_sample(exits, 100, SEED)] == [e.unit_id for e in state.sample]
    # both exits were signed by qingliu-group and by the township head, who also holds a county_group post:
    # the independent verifier gets them
    assert {e.verifier_id for e in state.sample} == {INSPECTOR}
    assert all(e.independent_verifier and e.trace_available for e in state.sample)
    assert [s.official_id for s in sampled[FALSE].signers] == [VS, VD, WT, TS, TH, CG, CS, CH]
    assert registry.spot_check_row(sv_store, cid)["seed"] == SEED  # the seed is recorded
    with pytest.raises(Refused, match="already exists"):
        await supervision.start_check(client, settings, 2017, 100, CG, seed=SEED)

    # -- refusals change nothing ---------------------------------------------------------------
    reasons = [
        await refused(supervision.record_finding(client, settings, cid, FALSE, "false_exit", "changxiao-secretary", NOTE)),
        await refused(supervision.record_finding(client, settings, cid, FALSE, "false_exit", CS, NOTE)),
        # qingliu-group signed the exit; an independent verifier exists
        await refused(supervision.record_finding(client, settings, cid, FALSE, "confirmed", CG, NOTE)),
        # the CLI refuses a unit outside the sample before sending; the workflow refuses it too
        await refused(supervision.record_finding(client, settings, cid, household(3), "false_exit", INSPECTOR, NOTE)),
        await refused(supervision.send_finding(client, cid, FindingCommand(
            unit_id=household(3), verdict="false_exit", official_id=INSPECTOR, note=NOTE))),
    ]
    assert [r.split(":")[0] for r in reasons] == [
        "UnknownOfficial", "WrongRole", "SamePerson", "NotInSample", "NotInSample"], reasons
    # a signature over another note, and one for another unit, do not verify
    official = supervision.official_of(sv_store, INSPECTOR)
    other_note = supervision.signed_as(settings, official, None, cid, "finding", FindingCommand(
        unit_id=FALSE, unit_type="household", verdict="false_exit", official_id=INSPECTOR, note="另一个结论")).signature
    other_unit = supervision.signed_as(settings, official, None, cid, "finding", FindingCommand(
        unit_id=CONFIRMED, unit_type="household", verdict="false_exit", official_id=INSPECTOR, note=NOTE)).signature
    for signature in (other_note, other_unit, None):
        reason = await refused(supervision.send_finding(client, cid, FindingCommand(
            unit_id=FALSE, unit_type="household", verdict="false_exit", official_id=INSPECTOR, note=NOTE,
            signature=signature)))
        assert reason.startswith("SignatureRefused"), reason
    state = await supervision.show_check(client, cid)
    # refused by the update's validator: nothing reaches the check's history or state (the worker logs them)
    assert all(e.finding is None for e in state.sample) and state.refused_attempts == []
    with sv_store.session() as s:
        assert s.get(Household, FALSE).status == "exited"
        assert s.scalars(select(SpotCheckFinding).where(SpotCheckFinding.check_id == cid)).all() == []
    assert state.in_flight == []

    # -- the false exit: found, referred to the township, reported, decided ---------------------
    ack = await supervision.record_finding(client, settings, cid, FALSE, "false_exit", INSPECTOR, NOTE)
    assert ack.units_outstanding == 1
    assert [s.official_id for s in ack.signers] == [VS, VD, WT, TS, TH, CG, CS, CH]  # the trace
    # 责成相关地方进行核查处理: the finding alone reverses nothing; the township is told
    assert ack.registry_change is None
    with sv_store.session() as s:
        assert s.get(Household, FALSE).status == "exited"
    assert {(r.kind, r.recipient) for r in outbox(sv_store, cid)} == {
        ("referral", f"township_secretary@{TOWNSHIP}"), ("referral", f"township_head@{TOWNSHIP}")}
    await sv_driver.signing_at_server_time()
    for who in (TS, TH):
        await supervision.report_referral(client, settings, cid, FALSE, "false_exit", who, TOWNSHIP_MEETING, REPORT)
    first = await supervision.decide_referral(client, settings, cid, FALSE, "reverse", CS, COUNTY_MEETING, DECISION)
    assert first.status == "reported" and first.awaiting == ["county_head@qingliu"] and first.registry_change is None
    decided = await supervision.decide_referral(client, settings, cid, FALSE, "reverse", CH, COUNTY_MEETING, DECISION)
    assert decided.status == "decided"
    change = decided.registry_change
    assert change["reversed"] and (change["from_status"], change["to_status"], change["case_id"]) == ("exited", "poor", cid)
    assert change["reversed_case_id"] == f"household-exit/{FALSE}/2017"
    with sv_store.session() as s:
        row = s.get(Household, FALSE)
        assert (row.status, row.exited_year, row.exited_case_id) == ("poor", None, None)
    last = sv_store.status_changes(FALSE)[-1]
    assert (last.case_id, last.from_status, last.to_status, last.year) == (cid, "exited", "poor", 2017)
    [found] = registry.findings(sv_store, check_id=cid)
    assert (found["verdict"], found["reversed"], found["official_id"]) == ("false_exit", True, INSPECTOR)
    assert found["disposition"] == "reverse"
    assert [x["official_id"] for x in found["referral"]["report_signers"]] == [TS, TH]
    assert [x["official_id"] for x in found["referral"]["decision_signers"]] == [CS, CH]
    assert found["referral"]["decision_meeting_ref"] == COUNTY_MEETING
    assert [s["official_id"] for s in found["signers"]] == [VS, VD, WT, TS, TH, CG, CS, CH]
    flags = {r["household_id"]: r for r in registry.households_supervised(sv_store, BufferRule(), date(2018, 1, 1))}
    assert flags[FALSE]["false_exit"] and flags[FALSE]["false_exit_check_id"] == cid  # 虚假脱贫
    assert not flags[CONFIRMED]["false_exit"]
    assert _persons(sv_store, 2017) == persons_2017 - 3  # the false exit no longer counts
    # a second finding on the unit is refused
    assert (await refused(supervision.record_finding(client, settings, cid, FALSE, "confirmed", INSPECTOR, NOTE))
            ).startswith("AlreadyFound")
    summary = (await supervision.show_check(client, cid))
    assert (summary.status, len(summary.outstanding())) == ("open", 1)
    s = summarize(summary)
    assert (s.units_checked, s.units_outstanding, s.false_exits, s.wrongful_exit_rate) == (1, 1, 1, 1.0)

    # -- past the limit without every finding: a reminder to the verifier -----------------------
    await sv_driver.env.sleep(timedelta(days=31))
    state = await _until(sv_driver, cid, lambda st: len(st.reminders) >= 1)
    assert state.reminders[0].recipients == [INSPECTOR] and state.reminders[0].units == [CONFIRMED]
    rows = [r for r in outbox(sv_store, cid) if r.kind == "reminder"]
    assert [(r.kind, r.recipient, r.stage) for r in rows][:1] == [("reminder", INSPECTOR, "finding")]

    # -- the last finding completes the check ----------------------------------------------------
    await sv_driver.signing_at_server_time()
    await supervision.record_finding(client, settings, cid, CONFIRMED, "confirmed", INSPECTOR, "入户核查属实")
    state = await _until(sv_driver, cid, lambda st: st.status == "completed")
    s = summarize(state)
    assert (s.units_sampled, s.units_checked, s.units_outstanding, s.confirmed, s.false_exits) == (2, 2, 0, 1, 1)
    assert s.wrongful_exit_rate == 0.5 and s.false_exit_units == [FALSE]
    result = await client.get_workflow_handle(cid, result_type=CheckSummary).result()
    assert result.wrongful_exit_rate == 0.5
    row = registry.spot_check_row(sv_store, cid)
    assert row["completed_at"] is not None and (row["units_checked"], row["false_exits"]) == (2, 1)
    with sv_store.session() as db:
        assert db.get(Household, CONFIRMED).status == "exited"  # a confirmed exit stays
    text = check_text(state)
    assert f"false exit {FALSE}" in text and "wrongful-exit rate 50.0%" in text and "reminder #1" in text
    assert (await refused(supervision.record_finding(client, settings, cid, FALSE, "confirmed", INSPECTOR, NOTE)))

    # -- the household, back to poor, later runs a new exit case and exits again ------------------
    sv_driver.working_year(2018)
    await exit_household(sv_driver, FALSE, 2018)
    with sv_store.session() as db:
        row = db.get(Household, FALSE)
        assert (row.status, row.exited_year, row.exited_case_id) == ("exited", 2018, f"household-exit/{FALSE}/2018")
    assert [c.to_status for c in sv_store.status_changes(FALSE)] == ["exited", "poor", "exited"]
    assert _persons(sv_store, 2018) == persons_2018 + 3 and _persons(sv_store, 2017) == persons_2017 - 3
    flags = {r["household_id"]: r for r in registry.households_supervised(
        sv_store, BufferRule(support_until=date(2099, 12, 31)), date(2099, 1, 1))}
    assert flags[FALSE]["in_buffer"] and flags[FALSE]["false_exit_check_id"] == cid  # the flag stays as history
    # the buffer ends with 2020 by default: an exit recorded now is past it
    assert not registry.households_supervised(sv_store, BufferRule(), date(2099, 1, 1), status="exited")[0]["in_buffer"]
    buffered = {u["unit_id"]: u for u in registry.units_in_buffer(sv_store, BufferRule(support_until=date(2099, 12, 31)),
                                                                   date(2099, 1, 1))}
    assert buffered[FALSE]["in_buffer"] and buffered[CONFIRMED]["in_buffer"]
    # a new check of 2017 no longer samples the reversed exit
    assert {u.unit_id for u in registry.exits_of_year(sv_store, "qingliu", 2017)} == {CONFIRMED}
