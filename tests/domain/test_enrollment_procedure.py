"""The enrolment procedure's stage table (domain/enrollment.py), walked by the exit cases' sign-off rules:

    "对贫困人口实行动态管理,对稳定达到脱贫标准的要及时退出,新增贫困人口和返贫人口要及时纳入扶贫范围" (二.1)
    "不得合并步骤,不得简化程序…贫困人口脱贫必须实行民主评议…让群众参与评价,做到全程透明" (二.3)

The policy names no procedure for (re)entry; tuopin mirrors the household exit (docs/policy-trace.md).
Not yet wired to a workflow (see the module's docstring and the report of issue 17).
"""

import pytest

from domain.enrollment import ENROLLMENT
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


def _enrollment_case():
    case = new_case().model_copy(update={"exit_type": "enrollment", "case_id": "household-enroll/changxiao-hepai-h001/2018"})
    enter_stage(case, "appraisal")
    return case


def test_the_enrollment_mirrors_the_household_exit_without_consent() -> None:
    assert ENROLLMENT.stage_ids() == ["appraisal", "notice", "township_review", "county_approval"]
    assert [s.title_zh for s in ENROLLMENT.stages] == ["民主评议", "村内公示", "审核上报", "批准退出"]
    notice = ENROLLMENT.stage("notice")
    assert notice.kind == "notice" and [lvl.value for lvl in notice.notice_scopes] == ["village"]
    for stage_id in ("township_review", "county_approval"):  # the same stages, the same signers, as an exit
        assert ENROLLMENT.stage(stage_id) == HOUSEHOLD.stage(stage_id)
    assert ENROLLMENT.stage("appraisal") == HOUSEHOLD.stage("appraisal")
    assert ENROLLMENT.stages_accepting("consent") == []


def test_one_village_official_can_neither_enroll_nor_exit_a_household_alone() -> None:
    roster = build_roster()
    case = _enrollment_case()
    apply_decision(case, ENROLLMENT, roster, decision("appraisal", PROPOSER, meeting_ref=APPRAISAL_REF,
                                                       record=dict(APPRAISAL_RECORD)), NOW)
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
