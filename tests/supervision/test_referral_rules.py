"""The pure rules of 核查处理 (清委办〔2017〕25号 四.4):

    "对不符合条件或未完整履行退出程序的，要责成相关地方进行核查处理"

and of who signs the report and the decision (四.3):

    "乡镇要召开党政班子成员会议、县级要召开精准扶贫工作领导小组会议集体研究，并由党政主要领导签字确认"
"""

from datetime import datetime, timezone

import pytest

from domain.officials import Official, Roster
from domain.refusals import AlreadySigned, SamePerson, UnknownOfficial, WrongRole
from domain.roles import Role
from domain.spot_check_referral import (
    DecisionOnReferral,
    ReferralRefused,
    ReportCommand,
    apply_report,
    check_decision,
    check_report,
    record_decision_signature,
    refer,
)

AT = datetime(2018, 3, 1, tzinfo=timezone.utc)
T, C = "changxiao", "qingliu"


def _o(oid: str, person: str, role: Role, where: str) -> Official:
    return Official(official_id=oid, person_id=person, name=oid, role=role, jurisdiction_id=where)


ROSTER = Roster(officials=[
    _o("ts", "p-ts", Role.township_secretary, T), _o("th", "p-th", Role.township_head, T),
    _o("ots", "p-ots", Role.township_secretary, "other"), _o("vs", "p-vs", Role.village_secretary, "v"),
    _o("cs", "p-cs", Role.county_secretary, C), _o("ch", "p-ch", Role.county_head, C),
    _o("acting", "p-cs", Role.county_head, C), _o("cg", "p-cg", Role.county_group, C),
])


def _report(who: str, conclusion: str = "false_exit", steps: tuple[str, ...] = (), meeting: str = "镇会〔2018〕1号",
            finding: str = "收入低于标准") -> ReportCommand:
    return ReportCommand(unit_id="h1", unit_type="household", conclusion=conclusion, official_id=who,  # type: ignore[arg-type]
                         meeting_ref=meeting, finding=finding, steps=steps)


def _decision(who: str, ruling: str = "reverse", steps: tuple[str, ...] = (), meeting: str = "县委常委会〔2018〕2号"
              ) -> DecisionOnReferral:
    return DecisionOnReferral(unit_id="h1", unit_type="household", ruling=ruling, official_id=who,  # type: ignore[arg-type]
                              meeting_ref=meeting, note="依核查意见", steps=steps)


def test_a_finding_alone_refers_and_reverses_nothing() -> None:
    assert refer(T, "confirmed", AT) is None
    for verdict in ("false_exit", "incomplete"):
        referral = refer(T, verdict, AT)
        assert referral is not None and (referral.township_id, referral.status, referral.finding) == (T, "referred", verdict)
        assert referral.ruling is None and referral.registry_change is None
        assert [r.value for r in referral.awaited_roles()] == ["township_secretary", "township_head"]
    with pytest.raises(ReferralRefused):
        refer(None, "false_exit", AT)  # a referral needs the township it goes to


def test_the_report_and_the_decision_need_both_principal_leaders_and_one_meeting() -> None:
    referral = refer(T, "false_exit", AT)
    assert referral is not None
    with pytest.raises(ReferralRefused):  # the county decides on the township's report, not before
        check_decision(referral, ROSTER, _decision("cs"), "household", C)
    for who, error in (("vs", UnknownOfficial), ("ots", UnknownOfficial), ("cs", UnknownOfficial)):
        with pytest.raises(error):
            check_report(referral, ROSTER, _report(who), "household")
    with pytest.raises(ReferralRefused):  # criteria not met names no steps; an incomplete procedure must
        check_report(referral, ROSTER, _report("ts", steps=("notice",)), "household")
    with pytest.raises(ReferralRefused):
        check_report(referral, ROSTER, _report("ts", conclusion="incomplete"), "household")
    with pytest.raises(ReferralRefused):  # a step a household exit does not have
        check_report(referral, ROSTER, _report("ts", conclusion="incomplete", steps=("survey",)), "household")
    official = check_report(referral, ROSTER, _report("ts"), "household")
    apply_report(referral, official, _report("ts"), AT)
    assert referral.status == "referred"
    with pytest.raises(AlreadySigned):
        check_report(referral, ROSTER, _report("ts"), "household")
    for other in (_report("th", meeting="另一会议"), _report("th", finding="另一结论"),
                  _report("th", conclusion="incomplete", steps=("notice",))):
        with pytest.raises(ReferralRefused):  # the head co-signs the same report
            check_report(referral, ROSTER, other, "household")
    apply_report(referral, check_report(referral, ROSTER, _report("th"), "household"), _report("th"), AT)
    assert referral.status == "reported"
    with pytest.raises(ReferralRefused):
        check_report(referral, ROSTER, _report("th"), "household")

    with pytest.raises(WrongRole):  # the leading group is not the party committee and government
        check_decision(referral, ROSTER, _decision("cg"), "household", C)
    with pytest.raises(UnknownOfficial):
        check_decision(referral, ROSTER, _decision("th"), "household", C)
    first = check_decision(referral, ROSTER, _decision("cs"), "household", C)
    assert not record_decision_signature(referral, first, _decision("cs"), AT)
    with pytest.raises(SamePerson):  # one person as county secretary and county head
        check_decision(referral, ROSTER, _decision("acting"), "household", C)
    for other in (_decision("ch", ruling="redo", steps=("notice",)), _decision("ch", meeting="另一会议")):
        with pytest.raises(ReferralRefused):
            check_decision(referral, ROSTER, other, "household", C)
    second = check_decision(referral, ROSTER, _decision("ch"), "household", C)
    assert record_decision_signature(referral, second, _decision("ch"), AT)
    assert [s.official_id for s in referral.decision_signers] == ["cs", "ch"] and referral.ruling == "reverse"


def test_a_redo_names_steps_of_the_exit_it_redoes() -> None:
    with pytest.raises(ValueError):
        _decision("cs", ruling="redo")
    with pytest.raises(ValueError):
        _decision("cs", ruling="reverse", steps=("notice",))
    referral = refer(T, "incomplete", AT)
    assert referral is not None
    for who in ("ts", "th"):
        cmd = _report(who, conclusion="incomplete", steps=("notice",))
        apply_report(referral, check_report(referral, ROSTER, cmd, "household"), cmd, AT)
    with pytest.raises(ReferralRefused):
        check_decision(referral, ROSTER, _decision("cs", ruling="redo", steps=("survey",)), "household", C)
    # a village's exit has a survey; the county may also decide otherwise than the township concluded
    assert check_decision(referral, ROSTER, _decision("cs", ruling="redo", steps=("survey",)), "village_poor", C)
    assert check_decision(referral, ROSTER, _decision("cs"), "household", C)
