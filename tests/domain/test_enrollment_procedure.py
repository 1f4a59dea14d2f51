"""The enrolment procedure's stage table (domain/enrollment.py), walked by the exit cases' sign-off rules:

    "对贫困人口实行动态管理,对稳定达到脱贫标准的要及时退出,新增贫困人口和返贫人口要及时纳入扶贫范围" (二.1)
    "不得合并步骤,不得简化程序…贫困人口脱贫必须实行民主评议…让群众参与评价,做到全程透明" (二.3)

The policy names no procedure for (re)entry; tuopin mirrors the household exit (docs/policy-trace.md).
The workflow that walks it is tested end to end in tests/workflows/test_household_enrollment.py.
"""

import pytest

from domain.enrollment import ENROLLMENT, EnrollmentRefused, check_opening
from domain.procedures import HOUSEHOLD
from domain.refusals import Refusal
from domain.signoff_rules import apply_decision, check_decision, enter_stage, stage_complete
from tests.domain.conftest import (
    APPRAISAL_RECORD,
    APPRAISAL_REF,
    COUNTY_GROUP_REF,
    COUNTY_REF,
    NOW,
    TOWNSHIP_REF,
    build_roster,
    decision,
    new_case,
)

PROPOSER = "hepai-secretary"
ENROLLMENT_RECORD = {**APPRAISAL_RECORD, "reason": "returned"}


def _enrollment_case():
    case = new_case().model_copy(update={"exit_type": "enrollment", "case_id": "household-enroll/changxiao-hepai-h001/2018"})
    enter_stage(case, "appraisal")
    return case


def test_the_enrollment_mirrors_the_household_exit_without_consent() -> None:
    assert ENROLLMENT.stage_ids() == ["appraisal", "notice", "township_review", "county_approval"]
    assert [s.title_zh for s in ENROLLMENT.stages] == ["民主评议", "村内公示", "审核上报", "批准纳入"]
    notice = ENROLLMENT.stage("notice")
    assert notice.kind == "notice" and notice.notice_scopes == HOUSEHOLD.stage("notice").notice_scopes
    assert notice.resolver_roles == HOUSEHOLD.stage("notice").resolver_roles
    for stage_id in ("appraisal", "township_review", "county_approval"):  # the same signers, as an exit
        assert ENROLLMENT.stage(stage_id).phases == tuple(
            tuple(slot.model_copy(update={"record": ENROLLMENT.stage(stage_id).record_kind()}) for slot in phase)
            for phase in HOUSEHOLD.stage(stage_id).phases
        )
    # its 民主评议 also records why: newly poor or returned
    assert ENROLLMENT.stage("appraisal").record_kind() == "enrollment_appraisal"
    assert ENROLLMENT.stages_accepting("consent") == []


def test_the_opening_reason_must_be_what_the_registry_shows() -> None:
    check_opening("h1", "returned", "exited")
    check_opening("h1", "newly-poor", "candidate")
    for reason, status, says in (("returned", "poor", "enrolled already"), ("newly-poor", "poor", "enrolled already"),
                                 ("newly-poor", "exited", "returned household"), ("returned", "candidate", "newly-poor"),
                                 ("both", "exited", "unknown enrolment reason")):
        with pytest.raises(EnrollmentRefused, match=says):
            check_opening("h1", reason, status)


def test_one_village_official_can_neither_enroll_nor_exit_a_household_alone() -> None:
    roster = build_roster()
    case = _enrollment_case()
    apply_decision(case, ENROLLMENT, roster, decision("appraisal", PROPOSER, meeting_ref=APPRAISAL_REF,
                                                       record=dict(ENROLLMENT_RECORD)), NOW)
    assert stage_complete(case, ENROLLMENT.stage("appraisal"))
    enter_stage(case, "township_review")  # (past the notice, as the workflow would be)
    for stage_id, ref in (("township_review", TOWNSHIP_REF), ("county_approval", COUNTY_REF)):
        with pytest.raises(Refusal):
            check_decision(case, ENROLLMENT, roster, decision(stage_id, PROPOSER, meeting_ref=ref), NOW)
    # nobody fills both township signatures, nor signs at the township and then the county
    apply_decision(case, ENROLLMENT, roster, decision("township_review", "changxiao-secretary", meeting_ref=TOWNSHIP_REF), NOW)
    with pytest.raises(Refusal):  # the secretary cannot fill the head's signature too
        check_decision(case, ENROLLMENT, roster, decision("township_review", "changxiao-secretary",
                                                          meeting_ref=TOWNSHIP_REF), NOW)
    apply_decision(case, ENROLLMENT, roster, decision("township_review", "changxiao-head", meeting_ref=TOWNSHIP_REF), NOW)
    enter_stage(case, "county_approval")
    for who, ref in (("qingliu-group", COUNTY_GROUP_REF), ("qingliu-secretary", COUNTY_REF), ("qingliu-head", COUNTY_REF)):
        apply_decision(case, ENROLLMENT, roster, decision("county_approval", who, meeting_ref=ref), NOW)
    assert stage_complete(case, ENROLLMENT.stage("county_approval"))
    signers = {d.person_id for d in case.decisions if d.outcome == "approve"}
    assert len(signers) == 6 and PROPOSER in {d.official_id for d in case.decisions}

    # the household's later exit: the proposer again records the appraisal, and can go no further alone
    exit_case = new_case()
    apply_decision(exit_case, HOUSEHOLD, roster, decision("appraisal", PROPOSER, meeting_ref=APPRAISAL_REF,
                                                          record=dict(APPRAISAL_RECORD)), NOW)
    enter_stage(exit_case, "verification")
    apply_decision(exit_case, HOUSEHOLD, roster, decision("verification", PROPOSER), NOW)
    with pytest.raises(Refusal):  # the work team's slot is not the village committees'
        check_decision(exit_case, HOUSEHOLD, roster, decision("verification", PROPOSER), NOW)
    enter_stage(exit_case, "township_review")
    with pytest.raises(Refusal):
        check_decision(exit_case, HOUSEHOLD, roster, decision("township_review", PROPOSER, meeting_ref=TOWNSHIP_REF), NOW)
