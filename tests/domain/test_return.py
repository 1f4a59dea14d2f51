"""A return (退回): the decision is recorded, the signatures from the target stage on stop counting, and
the returned stages run again in a new pass, where the same people may sign again."""

import pytest

from domain.messages import ConsentCommand
from domain.procedures import HOUSEHOLD
from domain.refusals import CaseNotOpen, OutOfOrder
from domain.signoff_rules import apply_consent, apply_decision, enter_stage, stage_complete

from .conftest import (
    HEAD,
    NOW,
    TOWNSHIP_REF,
    approve,
    consent,
    decision,
    do_county_approval,
    do_notice,
    do_township_review,
    do_verification,
    local,
    refused,
    refused_consent,
    refused_decision,
    walk_to,
)

RETURNED_AT = local(2017, 6, 5, 16, 0)
NOTE = "2016年收入核实材料不全, 退回重新核实"


def returned_from_township_review(case, roster):
    walk_to(case, roster, "township_review")
    approve(case, roster, "township_review", "changxiao-secretary", meeting_ref=TOWNSHIP_REF)
    cmd = decision("township_review", "changxiao-head", "return", note=NOTE, to_stage="verification")
    return apply_decision(case, HOUSEHOLD, roster, cmd, RETURNED_AT)


def test_return_records_the_decision(case, roster):
    d = returned_from_township_review(case, roster)
    assert case.decisions[-1] is d
    assert d.outcome == "return" and d.to_stage == "verification" and d.note == NOTE
    assert d.stage == "township_review" and d.stage_pass == 1 and d.slot is None
    assert d.official_id == "changxiao-head" and d.role == "township_head" and d.at == RETURNED_AT
    assert not d.superseded
    assert case.status == "open"
    assert case.pending_return == "verification"


def test_return_supersedes_approvals_of_the_target_stage_and_later(case, roster):
    returned_from_township_review(case, roster)
    by_stage = {(d.stage, d.slot): d.superseded for d in case.decisions if d.outcome in ("approve", "consent")}
    assert by_stage == {
        ("appraisal", "appraisal_meeting"): False,  # before the target: still counts
        ("verification", "village_committees"): True,
        ("verification", "work_team"): True,
        ("verification", "household_consent"): True,
        ("township_review", "township_secretary"): True,
    }


def test_a_returned_case_takes_no_decision_until_the_stage_is_entered_again(case, roster):
    returned_from_township_review(case, roster)
    cmd = decision("township_review", "changxiao-secretary", meeting_ref=TOWNSHIP_REF)
    refused_decision(case, roster, cmd, CaseNotOpen, "returned", "'verification'")
    refused_consent(case, roster, HEAD, CaseNotOpen, "returned")


def test_after_entering_the_target_stage_the_slots_are_empty_and_it_is_pass_two(case, roster):
    returned_from_township_review(case, roster)
    enter_stage(case, "verification")
    assert case.stage == "verification"
    assert case.filled == {}
    assert case.stage_pass["verification"] == 2
    assert case.stage_pass["appraisal"] == 1
    assert case.pending_return is None
    assert not stage_complete(case, HOUSEHOLD.stage("verification"))


def test_the_same_people_sign_again_in_the_new_pass(case, roster):
    returned_from_township_review(case, roster)
    enter_stage(case, "verification")
    first_pass = {(d.slot, d.official_id) for d in case.decisions if d.stage == "verification"}
    do_verification(case, roster)  # hepai-director, hepai-work-team, the head: as in pass 1
    second = [d for d in case.decisions if d.stage == "verification" and d.stage_pass == 2]
    assert {(d.slot, d.official_id) for d in second} == first_pass
    assert all(not d.superseded for d in second)
    assert stage_complete(case, HOUSEHOLD.stage("verification"))

    # the notice runs again in full (a second window), then the township again, same people
    enter_stage(case, "notice")
    do_notice(case, local(2017, 6, 10, 9))
    assert [w.window_no for w in case.notices] == [1, 2]
    assert case.stage_pass["notice"] == 2
    enter_stage(case, "township_review")
    assert case.stage_pass["township_review"] == 2
    assert "township_review/0" not in case.meeting_refs  # the old meeting no longer binds
    do_township_review(case, roster, ref="长委〔2017〕70号")
    assert stage_complete(case, HOUSEHOLD.stage("township_review"))
    again = [d for d in case.decisions if d.stage == "township_review" and d.stage_pass == 2]
    assert {d.official_id for d in again} == {"changxiao-secretary", "changxiao-head"}
    assert {d.meeting_ref for d in again} == {"长委〔2017〕70号"}

    enter_stage(case, "county_approval")
    do_county_approval(case, roster)
    assert stage_complete(case, HOUSEHOLD.stage("county_approval"))
    assert case.status == "open"


def test_the_returning_official_may_sign_the_stage_in_its_next_pass(case, roster):
    returned_from_township_review(case, roster)  # returned by changxiao-head
    enter_stage(case, "verification")
    do_verification(case, roster)
    enter_stage(case, "notice")
    do_notice(case)
    enter_stage(case, "township_review")
    approve(case, roster, "township_review", "changxiao-head", meeting_ref=TOWNSHIP_REF)
    assert case.filled.keys() == {"township_head"}


def test_return_from_county_approval_to_appraisal_supersedes_everything(case, roster):
    walk_to(case, roster, "county_approval")
    approve(case, roster, "county_approval", "qingliu-group", meeting_ref="清扶组〔2017〕12号")
    cmd = decision("county_approval", "qingliu-group", "return", note="民主评议参会人数不足", to_stage="appraisal")
    apply_decision(case, HOUSEHOLD, roster, cmd, NOW)
    signatures = [d for d in case.decisions if d.outcome in ("approve", "consent")]
    assert signatures and all(d.superseded for d in signatures)
    assert case.pending_return == "appraisal"
    enter_stage(case, "appraisal")
    assert case.stage_pass == {"appraisal": 2, "verification": 1, "notice": 1, "township_review": 1, "county_approval": 1}
    assert case.filled == {}


def test_return_within_verification_to_appraisal(case, roster):
    walk_to(case, roster, "verification")
    approve(case, roster, "verification", "hepai-director")
    cmd = decision("verification", "hepai-work-team", "return", note="评议记录缺参会名单", to_stage="appraisal")
    apply_decision(case, HOUSEHOLD, roster, cmd, NOW)
    assert case.pending_return == "appraisal"
    assert [d.superseded for d in case.decisions] == [True, True, False]


@pytest.mark.parametrize("to_stage", ["appraisal", "verification", "notice"])
def test_any_earlier_stage_is_a_valid_target(case, roster, to_stage):
    walk_to(case, roster, "township_review")
    cmd = decision("township_review", "changxiao-secretary", "return", note="x", to_stage=to_stage)
    apply_decision(case, HOUSEHOLD, roster, cmd, NOW)
    assert case.pending_return == to_stage
    earlier = set(HOUSEHOLD.stage_ids()[: HOUSEHOLD.index(to_stage)])
    for d in case.decisions:
        if d.outcome in ("approve", "consent"):
            assert d.superseded == (d.stage not in earlier)


def test_a_second_return_while_one_is_pending_is_refused(case, roster):
    returned_from_township_review(case, roster)
    cmd = decision("township_review", "changxiao-secretary", "return", note="再次退回", to_stage="appraisal")
    refused_decision(case, roster, cmd, CaseNotOpen, "returned")


def test_consent_in_the_new_pass_needs_the_new_sign_offs_first(case, roster):
    returned_from_township_review(case, roster)
    enter_stage(case, "verification")
    refused(case, OutOfOrder, lambda: apply_consent(case, HOUSEHOLD, roster, ConsentCommand(official_id=HEAD), NOW), "village_committees")
    approve(case, roster, "verification", "hepai-secretary")
    approve(case, roster, "verification", "hepai-work-team")
    d = consent(case, roster)
    assert d.stage_pass == 2
