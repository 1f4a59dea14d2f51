"""Stage records: the 调查核实 survey, the 乡/县申请 application, and the reviewer's findings on each
public-service indicator — as models, and through `check_decision` / `apply_decision` on a key-township
case at 县初评 (county_assessment) and a key-county case at 市初评 (city_assessment)."""

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from domain import indicators as ind
from domain.case import CaseState
from domain.messages import DecisionCommand
from domain.notice_calendar import NoticeRule
from domain.procedures import COUNTY as COUNTY_PROCEDURE
from domain.procedures import TOWNSHIP as TOWNSHIP_PROCEDURE
from domain.procedures import Procedure
from domain.records import RECORD_MODELS, ApplicationRecord, EnrollmentAppraisalRecord, IndicatorFindings, SurveyRecord
from domain.refusals import InvalidRecord, MeetingRequired, Refusal
from domain.signoff_rules import apply_decision, check_decision, enter_stage, stage_complete
from domain.units import UnitPath

from .conftest import CITY, COUNTY, PROVINCE, TOWNSHIP, build_roster, decision, local, refused

OPENED_AT = local(2018, 3, 2, 9)
NOW = local(2018, 3, 20, 10)  # after the application of 2018-03-01

EDUCATION = "service.compulsory_education_retention_pct"
INSURANCE = "service.medical_insurance_coverage_pct"
INDICATORS = (EDUCATION, INSURANCE)

APPLICATION_REF = "长政〔2018〕15号"
APPLICATION_MEETING = "长校镇党政班子会议纪要〔2018〕7号"
COUNTY_GROUP_MEETING = "清扶组〔2018〕21号"
CITY_GROUP_MEETING = "明扶组〔2018〕9号"

SURVEY: dict[str, Any] = {
    "held_on": "2017-05-08",
    "departments": ["扶贫办", "财政局"],
    "infrastructure": "通村公路硬化, 自来水入户",
    "public_services": "村卫生室、文化活动中心已建成",
    "industry": "茶叶、烟叶专业合作社",
    "collective_economy": "店面出租、光伏发电, 2017年村级收入12万元",
}

APPLICATION: dict[str, Any] = {
    "held_on": "2018-03-01",
    "document_ref": APPLICATION_REF,
    "summary": "贫困发生率1.8%, 农民人均可支配收入增长9.2%, 高于全市8.5%",
}


def close(note: str = "接近全市平均水平") -> dict[str, Any]:
    return {"close": True, "note": note}


def far(note: str = "明显低于全市平均水平") -> dict[str, Any]:
    return {"close": False, "note": note}


def findings(**by_name: dict[str, Any]) -> dict[str, Any]:
    return {"findings": by_name}


def all_close() -> dict[str, Any]:
    return {"findings": {name: close() for name in INDICATORS}}


# ================================================================================================
# SurveyRecord (调查核实)
# ================================================================================================


def test_an_enrollment_appraisal_records_why_the_household_is_poor():
    base = {"held_on": "2018-03-01", "attendance": 31, "result": "一致同意拟纳入"}
    for reason in ("newly-poor", "returned"):
        assert EnrollmentAppraisalRecord.model_validate({**base, "reason": reason}).reason == reason
    for bad in ({**base}, {**base, "reason": "poor"}):
        with pytest.raises(ValidationError):
            EnrollmentAppraisalRecord.model_validate(bad)


def test_record_models_cover_every_record_kind():
    assert RECORD_MODELS == {
        "appraisal": RECORD_MODELS["appraisal"],
        "enrollment_appraisal": EnrollmentAppraisalRecord,
        "survey": SurveyRecord,
        "application": ApplicationRecord,
        "indicator_findings": IndicatorFindings,
    }


def test_survey_splits_departments_on_enumeration_commas_and_commas():
    record = SurveyRecord.model_validate(SURVEY | {"departments": "扶贫办、财政局,交通局"})
    assert record.departments == ["扶贫办", "财政局", "交通局"]


def test_survey_strips_blanks_and_drops_empty_parts():
    record = SurveyRecord.model_validate(SURVEY | {"departments": " 扶贫办 、、财政局 , ,交通局 "})
    assert record.departments == ["扶贫办", "财政局", "交通局"]


def test_survey_keeps_a_list_of_departments_as_given():
    assert SurveyRecord.model_validate(SURVEY).departments == ["扶贫办", "财政局"]


def test_survey_keeps_its_findings_and_date():
    record = SurveyRecord.model_validate(SURVEY)
    assert record.held_on == date(2017, 5, 8)
    assert record.collective_economy == SURVEY["collective_economy"]
    assert record.model_dump(mode="json") == SURVEY


@pytest.mark.parametrize("departments", ["", "、 ,", [], [""]])
def test_survey_refuses_no_departments(departments):
    with pytest.raises(ValidationError) as info:
        SurveyRecord.model_validate(SURVEY | {"departments": departments})
    assert "departments" in str(info.value)


@pytest.mark.parametrize("field", ["held_on", "departments", "infrastructure", "public_services", "industry", "collective_economy"])
def test_survey_refuses_a_missing_field(field):
    data = dict(SURVEY)
    del data[field]
    with pytest.raises(ValidationError) as info:
        SurveyRecord.model_validate(data)
    assert field in str(info.value)


@pytest.mark.parametrize("field", ["infrastructure", "public_services", "industry", "collective_economy"])
def test_survey_refuses_an_empty_finding(field):
    with pytest.raises(ValidationError) as info:
        SurveyRecord.model_validate(SURVEY | {field: ""})
    assert field in str(info.value)


def test_survey_refuses_unknown_fields():
    with pytest.raises(ValidationError) as info:
        SurveyRecord.model_validate(SURVEY | {"incidence": "1.5%"})
    assert "incidence" in str(info.value)


def test_survey_is_frozen():
    record = SurveyRecord.model_validate(SURVEY)
    with pytest.raises(ValidationError):
        record.industry = "none"  # type: ignore[misc]


# ================================================================================================
# ApplicationRecord (乡申请 / 县申请)
# ================================================================================================


def test_application_accepts_its_fields():
    record = ApplicationRecord.model_validate(APPLICATION)
    assert record.held_on == date(2018, 3, 1)
    assert record.document_ref == APPLICATION_REF
    assert record.model_dump(mode="json") == APPLICATION


@pytest.mark.parametrize("field", ["held_on", "document_ref", "summary"])
def test_application_requires_each_field(field):
    data = dict(APPLICATION)
    del data[field]
    with pytest.raises(ValidationError) as info:
        ApplicationRecord.model_validate(data)
    assert field in str(info.value)


@pytest.mark.parametrize("field", ["document_ref", "summary"])
def test_application_refuses_an_empty_text(field):
    with pytest.raises(ValidationError):
        ApplicationRecord.model_validate(APPLICATION | {field: ""})


def test_application_refuses_unknown_fields_and_a_bad_date():
    with pytest.raises(ValidationError):
        ApplicationRecord.model_validate(APPLICATION | {"signed_by": "someone"})
    with pytest.raises(ValidationError):
        ApplicationRecord.model_validate(APPLICATION | {"held_on": "2018-02-30"})


# ================================================================================================
# IndicatorFindings as a model
# ================================================================================================


def test_findings_require_close_and_a_note():
    with pytest.raises(ValidationError):
        IndicatorFindings.model_validate(findings(**{EDUCATION: {"close": True}}))
    with pytest.raises(ValidationError):
        IndicatorFindings.model_validate(findings(**{EDUCATION: {"note": "接近"}}))
    with pytest.raises(ValidationError):
        IndicatorFindings.model_validate(findings(**{EDUCATION: {"close": True, "note": ""}}))
    with pytest.raises(ValidationError):
        IndicatorFindings.model_validate(findings(**{EDUCATION: close() | {"gap": 1}}))


# ================================================================================================
# Through check_decision: a key-township case at 县初评 (county_assessment)
# ================================================================================================

TOWNSHIP_PATH = UnitPath(province_id=PROVINCE, city_id=CITY, county_id=COUNTY, township_id=TOWNSHIP)
COUNTY_PATH = UnitPath(province_id=PROVINCE, city_id=CITY, county_id=COUNTY)


def _comparison(name: str) -> dict[str, Any]:
    return {
        "title": ind.SERVICE_INDICATORS[name],
        "value": {"value": "96.5", "year": 2018, "source": "长校镇2018年统计年报"},
        "average": {"value": "97.0", "year": 2018, "source": "三明市2018年统计公报"},
    }


def township_case() -> CaseState:
    """A key-township case whose 乡申请 is signed, now at 县初评, as the workflow would hold it."""
    case = CaseState(
        case_id=f"township-exit/{TOWNSHIP}/2018",
        exit_type="township",
        unit_id=TOWNSHIP,
        year=2018,
        status="open",
        ready=True,
        stage="application",
        opened_by="changxiao-head",
        opened_at=OPENED_AT,
        unit_path=TOWNSHIP_PATH,
        facts={"service_indicators": {name: _comparison(name) for name in INDICATORS}},
        notice_rule=NoticeRule(),
    )
    enter_stage(case, "application")
    apply_decision(
        case,
        TOWNSHIP_PROCEDURE,
        build_roster(),
        decision("application", "changxiao-head", meeting_ref=APPLICATION_MEETING, record=dict(APPLICATION)),
        NOW,
    )
    assert stage_complete(case, TOWNSHIP_PROCEDURE.stage("application"))
    enter_stage(case, "county_assessment")
    return case


def county_case() -> CaseState:
    """A key-county case whose 县申请 is signed, now at 市初评."""
    case = CaseState(
        case_id=f"county-exit/{COUNTY}/2018",
        exit_type="county",
        unit_id=COUNTY,
        year=2018,
        status="open",
        ready=True,
        stage="application",
        opened_by="qingliu-group",
        opened_at=OPENED_AT,
        unit_path=COUNTY_PATH,
        facts={"service_indicators": {name: _comparison(name) for name in INDICATORS}},
        notice_rule=NoticeRule(),
    )
    enter_stage(case, "application")
    apply_decision(
        case,
        COUNTY_PROCEDURE,
        build_roster(),
        decision("application", "qingliu-group", meeting_ref="清扶组〔2018〕3号", record=dict(APPLICATION)),
        NOW,
    )
    enter_stage(case, "city_assessment")
    return case


def assessment(record: dict[str, Any] | None, meeting_ref: str | None = COUNTY_GROUP_MEETING, **fields: Any) -> DecisionCommand:
    return decision("county_assessment", "qingliu-group", meeting_ref=meeting_ref, record=record, **fields)


def refused_on(case: CaseState, procedure: Procedure, cmd: DecisionCommand, refusal: type[Refusal], *words: str) -> Refusal:
    """Both the validator and the handler refuse with exactly `refusal`, and leave the case as it was."""
    roster = build_roster()
    refused(case, refusal, lambda: check_decision(case, procedure, roster, cmd, NOW), *words)
    return refused(case, refusal, lambda: apply_decision(case, procedure, roster, cmd, NOW), *words)


def refused_assessment(case: CaseState, cmd: DecisionCommand, refusal: type[Refusal], *words: str) -> Refusal:
    return refused_on(case, TOWNSHIP_PROCEDURE, cmd, refusal, *words)


def test_the_township_case_is_at_county_assessment_awaiting_the_county_group():
    case = township_case()
    assert case.stage == "county_assessment"
    assert case.filled == {}
    slot = TOWNSHIP_PROCEDURE.stage("county_assessment").slots()[0]
    assert slot.record == "indicator_findings" and slot.needs_meeting
    assert case.decisions[0].record == APPLICATION


def test_findings_on_every_indicator_all_close_are_accepted():
    case = township_case()
    cmd = assessment(all_close())
    official, phase_no, slot, record = check_decision(case, TOWNSHIP_PROCEDURE, build_roster(), cmd, NOW)
    assert official.official_id == "qingliu-group"
    assert (phase_no, slot.key) == (0, "county_group")
    assert record == all_close()

    recorded = apply_decision(case, TOWNSHIP_PROCEDURE, build_roster(), cmd, NOW)
    assert recorded.record == all_close()
    assert recorded.meeting_ref == COUNTY_GROUP_MEETING
    assert case.filled == {"county_group": recorded.seq}
    assert stage_complete(case, TOWNSHIP_PROCEDURE.stage("county_assessment"))


def test_findings_missing_one_indicator_are_refused_naming_it():
    case = township_case()
    refused_assessment(
        case,
        assessment(findings(**{EDUCATION: close()})),
        InvalidRecord,
        "a finding is needed on each public-service indicator",
        f"missing: {INSURANCE}",
    )


def test_findings_on_no_indicator_are_refused():
    case = township_case()
    err = refused_assessment(case, assessment(findings()), InvalidRecord, EDUCATION, INSURANCE)
    assert "missing" in str(err)


def test_a_finding_on_an_indicator_the_case_does_not_have_is_refused():
    case = township_case()
    other = "service.clinic_coverage_pct"
    refused_assessment(
        case,
        assessment(findings(**{EDUCATION: close(), INSURANCE: close(), other: close()})),
        InvalidRecord,
        f"not an indicator of this case: {other}",
    )


def test_a_made_up_indicator_in_place_of_a_real_one_is_refused_naming_both():
    case = township_case()
    refused_assessment(
        case,
        assessment(findings(**{EDUCATION: close(), "service.made_up": close()})),
        InvalidRecord,
        f"missing: {INSURANCE}",
        "not an indicator of this case: service.made_up",
    )


def test_one_indicator_found_not_close_is_refused_saying_to_return_or_reject():
    case = township_case()
    refused_assessment(
        case,
        assessment(findings(**{EDUCATION: close(), INSURANCE: far()})),
        InvalidRecord,
        f"not close to the average ({INSURANCE})",
        "return or reject",
    )


def test_every_indicator_found_not_close_is_named():
    case = township_case()
    refused_assessment(
        case,
        assessment(findings(**{EDUCATION: far(), INSURANCE: far()})),
        InvalidRecord,
        f"({EDUCATION}, {INSURANCE})",
    )


def test_a_finding_without_a_note_is_refused():
    case = township_case()
    refused_assessment(
        case,
        assessment(findings(**{EDUCATION: close(), INSURANCE: {"close": True}})),
        InvalidRecord,
        "indicator_findings record is not valid",
        "note",
    )


def test_the_assessment_must_record_its_findings():
    case = township_case()
    refused_assessment(case, assessment(None), InvalidRecord, "must record its indicator_findings data")


def test_a_meeting_ref_is_required_at_county_assessment():
    """县初评 is a decision of the county leading group's meeting: even perfect findings need its minutes."""
    case = township_case()
    refused_assessment(case, assessment(all_close(), meeting_ref=None), MeetingRequired, "county_assessment", "--meeting")


def test_the_meeting_is_checked_before_the_findings():
    case = township_case()
    refused_assessment(case, assessment(findings(), meeting_ref=None), MeetingRequired, "--meeting")


@pytest.mark.parametrize(
    ("outcome", "fields"),
    [("return", {"to_stage": "application", "note": "参保率明显低于全市平均水平"}), ("reject", {"note": "指标不达标"})],
)
def test_an_indicator_not_close_can_be_returned_or_rejected(outcome, fields):
    """The refusal's advice works: the county group may return or reject the case without findings."""
    case = township_case()
    cmd = decision("county_assessment", "qingliu-group", outcome=outcome, **fields)
    official, phase_no, slot, record = check_decision(case, TOWNSHIP_PROCEDURE, build_roster(), cmd, NOW)
    assert official.official_id == "qingliu-group" and record is None


def test_a_return_cannot_carry_findings():
    case = township_case()
    cmd = decision(
        "county_assessment", "qingliu-group", outcome="return", to_stage="application", note="重新申请", record=all_close()
    )
    refused_assessment(case, cmd, InvalidRecord, "records no stage data")


def test_a_case_with_no_indicators_takes_only_an_empty_set_of_findings():
    """_check_findings compares against the case's own indicators; none frozen means none expected."""
    case = township_case()
    case.facts = {"service_indicators": {}}
    refused_assessment(case, assessment(all_close()), InvalidRecord, "not an indicator of this case")


# ================================================================================================
# The same rules at 市初评 (city_assessment) of a key-county case
# ================================================================================================


def test_a_county_case_at_city_assessment_accepts_all_close_findings():
    case = county_case()
    cmd = decision("city_assessment", "sanming-group", meeting_ref=CITY_GROUP_MEETING, record=all_close())
    recorded = apply_decision(case, COUNTY_PROCEDURE, build_roster(), cmd, NOW)
    assert recorded.record == all_close()
    assert stage_complete(case, COUNTY_PROCEDURE.stage("city_assessment"))


def test_a_county_case_at_city_assessment_refuses_a_finding_not_close():
    case = county_case()
    cmd = decision(
        "city_assessment", "sanming-group", meeting_ref=CITY_GROUP_MEETING, record=findings(**{EDUCATION: far(), INSURANCE: close()})
    )
    refused_on(case, COUNTY_PROCEDURE, cmd, InvalidRecord, EDUCATION, "return or reject")


def test_a_county_case_at_city_assessment_refuses_a_missing_finding():
    case = county_case()
    cmd = decision("city_assessment", "sanming-group", meeting_ref=CITY_GROUP_MEETING, record=findings(**{INSURANCE: close()}))
    refused_on(case, COUNTY_PROCEDURE, cmd, InvalidRecord, f"missing: {EDUCATION}")
