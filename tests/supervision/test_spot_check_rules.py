"""The pure rules of a spot check: the reproducible sample, the verifiers, who may record a finding, the
summary; and the buffer period."""

from datetime import date, datetime, timezone

import pytest

from domain.buffer import BufferRule, in_buffer, local_date
from domain.officials import Official, Roster
from domain.refusals import SamePerson, UnknownOfficial, WrongRole
from domain.roles import Role
from domain.spot_check import (
    AlreadyFound,
    CheckNotOpen,
    ExitedUnit,
    ExitTrace,
    Finding,
    FindingCommand,
    NotInSample,
    Signer,
    SpotCheckState,
    assign_verifiers,
    check_finding,
    check_id,
    draw_sample,
    is_check_id,
    sample_size,
    summarize,
)

AT = datetime(2018, 3, 1, tzinfo=timezone.utc)


def _exits(n: int) -> list[ExitedUnit]:
    return [ExitedUnit(unit_type="household", unit_id=f"h{i:03d}", year=2017, case_id=f"household-exit/h{i:03d}/2017",
                       county_id="qingliu") for i in range(n)]


def _official(oid: str, person: str, role: Role = Role.county_group, where: str = "qingliu") -> Official:
    return Official(official_id=oid, person_id=person, name=oid, role=role, jurisdiction_id=where)


def test_the_id_comes_from_the_business_key() -> None:
    assert check_id("qingliu", 2017, 42) == "spot-check/qingliu/2017/42"
    assert is_check_id("spot-check/qingliu/2017/42")
    assert not is_check_id("household-exit/h/2017") and not is_check_id("spot-check/lijia-changguan/2018")


def test_the_sample_is_reproducible_from_the_seed_and_rounds_up() -> None:
    exits = _exits(40)
    first = draw_sample(exits, 10, seed=7)
    assert len(first) == 4 == sample_size(40, 10)
    assert draw_sample(list(reversed(exits)), 10, seed=7) == first  # the order it is read in does not matter
    assert [u.unit_id for u in first] == sorted(u.unit_id for u in first)
    assert draw_sample(exits, 10, seed=8) != first
    assert sample_size(7, 30) == 3 and sample_size(3, 100) == 3 and sample_size(10, 10) == 1 and sample_size(0, 50) == 0
    assert len(draw_sample(exits, 100, seed=1)) == 40
    assert draw_sample(exits, 12.5, seed=3) == draw_sample(exits, 12.5, seed=3)


def test_verifiers_are_those_who_did_not_sign_the_exit_in_turn() -> None:
    exits = _exits(4)
    roster = Roster(officials=(
        _official("qingliu-a", "p-a"), _official("qingliu-b", "p-b"), _official("qingliu-c", "p-c"),
        _official("qingliu-secretary", "p-s", Role.county_secretary),
    ))
    signer = Signer(official_id="qingliu-a", person_id="p-a", name="a", role="county_group", jurisdiction_id="qingliu",
                    stage="county_approval", at=AT)
    traces = {u.case_id: ExitTrace(case_id=u.case_id, available=True, signers=[signer]) for u in exits}
    entries = assign_verifiers(exits, traces, roster, "qingliu")
    assert [e.verifier_id for e in entries] == ["qingliu-b", "qingliu-c", "qingliu-b", "qingliu-c"]
    assert all(e.independent_verifier for e in entries)
    # when every county_group official signed the exit, one of them gets it, marked not independent
    only = Roster(officials=(_official("qingliu-a", "p-a"),))
    lone = assign_verifiers(exits[:1], traces, only, "qingliu")[0]
    assert (lone.verifier_id, lone.independent_verifier) == ("qingliu-a", False)


def _state(entries) -> SpotCheckState:
    return SpotCheckState(check_id="spot-check/qingliu/2017/1", county_id="qingliu", year=2017, percent=100, seed=1,
                          initiator_id="qingliu-a", started_at=AT, remind_after_days=30, status="open", sample=entries,
                          exits_total=len(entries))


def test_who_may_record_a_finding() -> None:
    exits = _exits(2)
    signer = Signer(official_id="qingliu-a", person_id="p-a", name="a", role="county_group", jurisdiction_id="qingliu",
                    stage="county_approval", at=AT)
    traces = {u.case_id: ExitTrace(case_id=u.case_id, available=True, signers=[signer]) for u in exits}
    roster = Roster(officials=(
        _official("qingliu-a", "p-a"), _official("qingliu-b", "p-b"),
        _official("qingliu-head", "p-h", Role.county_head), _official("changxiao-head", "p-t", Role.township_head, "changxiao"),
    ))
    state = _state(assign_verifiers(exits, traces, roster, "qingliu"))

    def cmd(official: str, unit: str = "h000") -> FindingCommand:
        return FindingCommand(unit_id=unit, verdict="false_exit", official_id=official, note="收入未如实登记")

    entry, official, independent = check_finding(state, roster, cmd("qingliu-b"))
    assert (entry.unit_id, official.official_id, independent) == ("h000", "qingliu-b", True)
    with pytest.raises(UnknownOfficial):
        check_finding(state, roster, cmd("changxiao-head"))
    with pytest.raises(WrongRole):
        check_finding(state, roster, cmd("qingliu-head"))
    with pytest.raises(SamePerson, match="independent verifier"):
        check_finding(state, roster, cmd("qingliu-a"))
    with pytest.raises(NotInSample):
        check_finding(state, roster, cmd("qingliu-b", unit="h999"))
    state.in_flight.append(entry.key)
    with pytest.raises(AlreadyFound, match="right now"):
        check_finding(state, roster, cmd("qingliu-b"))
    state.in_flight.clear()
    entry.finding = Finding(verdict="false_exit", official_id="qingliu-b", person_id="p-b", name="b", role="county_group",
                            at=AT, note="x", assigned=True, independent=True)
    with pytest.raises(AlreadyFound, match="already recorded"):
        check_finding(state, roster, cmd("qingliu-b"))
    # with no independent county_group official for the exit, one who signed it may record it, marked
    only_signers = Roster(officials=(_official("qingliu-a", "p-a"),))
    _, _, independent = check_finding(state, only_signers, cmd("qingliu-a", unit="h001"))
    assert independent is False
    state.status = "completed"
    with pytest.raises(CheckNotOpen):
        check_finding(state, roster, cmd("qingliu-b", unit="h001"))


def test_the_summary_counts_checked_outstanding_and_the_wrongful_exit_rate() -> None:
    state = _state(assign_verifiers(_exits(4), {}, Roster(officials=(_official("qingliu-b", "p-b"),)), "qingliu"))
    assert summarize(state).model_dump(include={"units_checked", "units_outstanding", "wrongful_exit_rate"}) == {
        "units_checked": 0, "units_outstanding": 4, "wrongful_exit_rate": None}
    for entry, verdict in zip(state.sample[:3], ("false_exit", "confirmed", "confirmed")):
        entry.finding = Finding(verdict=verdict, official_id="qingliu-b", person_id="p-b", name="b", role="county_group",
                                at=AT, note="x", assigned=True, independent=True)
    summary = summarize(state)
    assert (summary.units_checked, summary.units_outstanding, summary.confirmed, summary.false_exits) == (3, 1, 2, 1)
    assert summary.wrongful_exit_rate == 0.3333 and summary.false_exit_units == ["h000"]


def test_the_buffer_period() -> None:
    rule = BufferRule()
    assert rule.support_until == date(2020, 12, 31)
    assert in_buffer("exited", date(2017, 12, 1), date(2020, 12, 31), rule)
    assert not in_buffer("exited", date(2017, 12, 1), date(2021, 1, 1), rule)
    assert not in_buffer("poor", date(2017, 12, 1), date(2018, 1, 1), rule)
    assert not in_buffer("exited", date(2018, 12, 1), date(2018, 1, 1), rule)  # not exited yet on that day
    assert local_date(datetime(2017, 12, 31, 17, 0, tzinfo=timezone.utc)) == date(2018, 1, 1)  # Qingliu's midnight
    with pytest.raises(ValueError):
        BufferRule(support_until=date(2019, 12, 31))
