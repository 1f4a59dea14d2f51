"""四.3 层层审核把关: 乡镇要召开党政班子成员会议 ... 集体研究, 并由党政主要领导签字确认 — the village's
调查核实 is signed by both the township party secretary and the township head, on one meeting; and a
return or a reject at a stage decided collectively cites a meeting as an approval there does."""

import pytest

from domain.case import CaseState
from domain.messages import DecisionCommand
from domain.procedures import HOUSEHOLD, VILLAGE
from domain.refusals import AlreadySigned, InvalidRecord, MeetingRequired, SamePerson, WrongRole
from domain.roles import Role
from domain.signoff_rules import apply_decision, check_decision, enter_stage, stage_complete
from domain.units import UnitPath

from .conftest import NOW, OPENED_AT, build_roster, decision, new_case, official

MEETING = "长校镇党政班子会议纪要〔2017〕7号"
SURVEY = {
    "held_on": "2017-05-03", "departments": ["镇农业服务中心", "镇财政所"], "infrastructure": "道路硬化、饮水安全达标",
    "public_services": "卫生所、小学齐全", "industry": "烟叶、莲子", "collective_economy": "村级收入12万元",
}
VILLAGE_PATH = UnitPath(province_id="fujian", city_id="sanming", county_id="qingliu", township_id="changxiao",
                        village_id="changxiao-hepai")


def village_case() -> CaseState:
    case = CaseState(
        case_id="village-exit/changxiao-hepai/2017/poor", exit_type="village", unit_id="changxiao-hepai", year=2017,
        designation="poor", ready=True, stage="survey", opened_by="changxiao-head", opened_at=OPENED_AT,
        unit_path=VILLAGE_PATH,
    )
    enter_stage(case, "survey")
    return case


def survey(official_id: str, record: dict | None = None, meeting: str | None = MEETING, **kw) -> DecisionCommand:
    return DecisionCommand(stage="survey", outcome="approve", official_id=official_id, meeting_ref=meeting, record=record, **kw)


def test_the_village_survey_is_signed_by_both_the_township_secretary_and_the_township_head():
    """并由党政主要领导签字确认: one of them alone leaves the stage open; both complete it."""
    case, roster = village_case(), build_roster()
    apply_decision(case, VILLAGE, roster, survey("changxiao-head", SURVEY), NOW)
    assert not stage_complete(case, VILLAGE.stage("survey"))
    apply_decision(case, VILLAGE, roster, survey("changxiao-secretary"), NOW)
    assert stage_complete(case, VILLAGE.stage("survey"))
    assert {d.role for d in case.decisions} == {"township_secretary", "township_head"}
    assert case.decisions[0].record is not None and case.decisions[1].record is None


@pytest.mark.parametrize("first", ["changxiao-secretary", "changxiao-head"])
def test_either_principal_leader_may_record_the_survey_and_the_other_countersigns(first):
    case, roster = village_case(), build_roster()
    apply_decision(case, VILLAGE, roster, survey(first, SURVEY), NOW)
    other = "changxiao-head" if first == "changxiao-secretary" else "changxiao-secretary"
    with pytest.raises(InvalidRecord, match="signs that record"):
        check_decision(case, VILLAGE, roster, survey(other, SURVEY), NOW)
    apply_decision(case, VILLAGE, roster, survey(other), NOW)
    assert stage_complete(case, VILLAGE.stage("survey"))


def test_the_first_survey_signature_must_record_the_survey():
    case, roster = village_case(), build_roster()
    with pytest.raises(InvalidRecord, match="must record its survey"):
        check_decision(case, VILLAGE, roster, survey("changxiao-head"), NOW)


def test_one_leader_cannot_fill_both_survey_signatures():
    """Attack: the township head signs twice (or a second head post of the same person signs)."""
    twin = official("changxiao-head-2", Role.township_secretary, "changxiao", person_id="p-changxiao-head")
    case, roster = village_case(), build_roster(twin)
    apply_decision(case, VILLAGE, roster, survey("changxiao-head", SURVEY), NOW)
    with pytest.raises(AlreadySigned):
        check_decision(case, VILLAGE, roster, survey("changxiao-head"), NOW)
    with pytest.raises(SamePerson):
        check_decision(case, VILLAGE, roster, survey("changxiao-head-2"), NOW)


def test_both_survey_signatures_cite_the_same_meeting():
    """集体研究: one meeting decided; a second signature citing another meeting is refused."""
    case, roster = village_case(), build_roster()
    apply_decision(case, VILLAGE, roster, survey("changxiao-head", SURVEY), NOW)
    with pytest.raises(MeetingRequired, match="different meeting"):
        check_decision(case, VILLAGE, roster, survey("changxiao-secretary", meeting="另一次会议"), NOW)
    with pytest.raises(MeetingRequired):
        check_decision(case, VILLAGE, roster, survey("changxiao-secretary", meeting=None), NOW)


def test_the_survey_is_not_signed_by_village_officials():
    case, roster = village_case(), build_roster()
    with pytest.raises(WrongRole):
        check_decision(case, VILLAGE, roster, survey("hepai-secretary", SURVEY), NOW)


# -- a return or a reject needs the collective decision an approval needs ----------------------------


def _at_township_review() -> CaseState:
    case = new_case()
    enter_stage(case, "township_review")
    return case


@pytest.mark.parametrize("outcome", ["return", "reject"])
def test_a_return_or_reject_without_a_meeting_is_refused_where_approval_needs_one(outcome):
    """乡镇要召开党政班子成员会议 ... 集体研究: one township official cannot send back or end a case alone."""
    case, roster = _at_township_review(), build_roster()
    fields = {"to_stage": "verification"} if outcome == "return" else {}
    cmd = DecisionCommand(stage="township_review", outcome=outcome, official_id="changxiao-head", note="收入数据存疑", **fields)
    with pytest.raises(MeetingRequired, match="集体研究"):
        check_decision(case, HOUSEHOLD, roster, cmd, NOW)
    assert case.status == "open" and not case.decisions


@pytest.mark.parametrize("outcome", ["return", "reject"])
def test_a_return_or_reject_with_the_meeting_is_recorded_with_it(outcome):
    case, roster = _at_township_review(), build_roster()
    fields = {"to_stage": "verification"} if outcome == "return" else {}
    apply_decision(case, HOUSEHOLD, roster, decision("township_review", "changxiao-head", outcome, note="收入数据存疑",
                                                     meeting_ref=MEETING, **fields), NOW)
    assert case.decisions[-1].meeting_ref == MEETING


def test_a_return_or_reject_at_the_village_survey_needs_the_meeting_too():
    case, roster = village_case(), build_roster()
    cmd = DecisionCommand(stage="survey", outcome="reject", official_id="changxiao-secretary", note="村级收入不足")
    with pytest.raises(MeetingRequired):
        check_decision(case, VILLAGE, roster, cmd, NOW)


def test_a_return_at_a_stage_without_a_collective_decision_needs_no_meeting():
    """核实认可 is signed by the 村两委 and the work team, no meeting named: a return there needs none."""
    case, roster = new_case(), build_roster()
    enter_stage(case, "verification")
    cmd = DecisionCommand(stage="verification", outcome="return", official_id="hepai-director", note="评议记录不全",
                          to_stage="appraisal")
    apply_decision(case, HOUSEHOLD, roster, cmd, NOW)
    assert case.pending_return == "appraisal"
