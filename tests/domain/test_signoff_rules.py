"""Sign-off rules over the HOUSEHOLD procedure: the happy path stage by stage, then every refusal.

Every refusal goes through `refused_decision` / `refused_consent`: both the validator (check_*) and
the handler (apply_*) must refuse with exactly that Refusal, name the reason, and leave the case
exactly as it was (model_dump before == after).
"""

from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from domain.case import CaseState
from domain.messages import DecisionCommand
from domain.procedures import HOUSEHOLD
from domain.refusals import (
    AlreadySigned,
    BadReturn,
    CaseNotOpen,
    InvalidRecord,
    MeetingRequired,
    OutOfOrder,
    SamePerson,
    UnknownOfficial,
    WrongJurisdiction,
    WrongRole,
    WrongStage,
)
from domain.roles import Role
from domain.signoff_rules import (
    apply_decision,
    check_decision,
    current_phase,
    enter_stage,
    stage_complete,
)

from .conftest import (
    APPRAISAL_RECORD,
    APPRAISAL_REF,
    CASE_ID,
    COUNTY_GROUP_REF,
    COUNTY_REF,
    HEAD,
    HOUSEHOLD_ID,
    NOW,
    SHANGHAI,
    TOWNSHIP,
    TOWNSHIP_REF,
    VILLAGE,
    approve,
    build_roster,
    consent,
    decision,
    do_appraisal,
    do_county_approval,
    do_notice,
    do_township_review,
    do_verification,
    local,
    new_case,
    official,
    refused_consent,
    refused_decision,
    walk_to,
)

STAGE = {s.id: s for s in HOUSEHOLD.stages}


def appraisal(official_id: str = "hepai-secretary", **fields) -> DecisionCommand:
    fields.setdefault("meeting_ref", APPRAISAL_REF)
    fields.setdefault("record", dict(APPRAISAL_RECORD))
    return decision("appraisal", official_id, **fields)


# ================================================================================================
# The fixtures themselves
# ================================================================================================


def test_fresh_case_is_open_at_appraisal_first_pass(case: CaseState):
    assert case.status == "open" and case.ready
    assert case.stage == "appraisal"
    assert case.stage_pass == {"appraisal": 1}
    assert case.filled == {} and case.decisions == [] and case.pending_return is None
    assert case.unit_path.jurisdiction_ids() == [HOUSEHOLD_ID, VILLAGE, TOWNSHIP, "qingliu", "sanming", "fujian"]


def test_household_procedure_table_matches_the_spec():
    assert HOUSEHOLD.stage_ids() == ["appraisal", "verification", "notice", "township_review", "county_approval"]
    assert STAGE["notice"].kind == "notice"
    assert [[s.key for s in phase] for phase in STAGE["verification"].phases] == [
        ["village_committees", "work_team"],
        ["household_consent"],
    ]
    assert [[s.key for s in phase] for phase in STAGE["county_approval"].phases] == [
        ["county_group"],
        ["county_secretary", "county_head"],
    ]


# ================================================================================================
# Happy path, stage by stage
# ================================================================================================


@pytest.mark.parametrize("recorder", ["hepai-secretary", "hepai-director"])
def test_appraisal_is_recorded_by_either_village_committee(case, roster, recorder):
    d = apply_decision(case, HOUSEHOLD, roster, appraisal(recorder), NOW)
    assert d.seq == 1 and d.stage == "appraisal" and d.stage_pass == 1
    assert d.slot == "appraisal_meeting" and d.outcome == "approve"
    assert d.official_id == recorder and d.person_id == f"p-{recorder}" and d.jurisdiction_id == VILLAGE
    assert d.role in (Role.village_secretary.value, Role.village_director.value)
    assert d.meeting_ref == APPRAISAL_REF and d.at == NOW and not d.superseded
    assert d.record == {"held_on": "2017-05-09", "attendance": 23, "result": APPRAISAL_RECORD["result"]}
    assert case.decisions == [d]
    assert case.filled == {"appraisal_meeting": 1}
    assert case.meeting_refs == {"appraisal/0": APPRAISAL_REF}
    assert stage_complete(case, STAGE["appraisal"])
    assert current_phase(case, STAGE["appraisal"]) is None


def test_appraisal_held_today_is_accepted(case, roster):
    record = dict(APPRAISAL_RECORD, held_on=NOW.date().isoformat())
    approve(case, roster, "appraisal", "hepai-secretary", meeting_ref=APPRAISAL_REF, record=record)
    assert stage_complete(case, STAGE["appraisal"])


def test_check_decision_alone_changes_nothing(case, roster):
    before = case.model_dump()
    check_decision(case, HOUSEHOLD, roster, appraisal(), NOW)
    assert case.model_dump() == before


@pytest.mark.parametrize(
    ("committee", "order"),
    [
        ("hepai-secretary", "committee_first"),
        ("hepai-director", "committee_first"),
        ("hepai-secretary", "team_first"),
        ("hepai-director", "team_first"),
    ],
)
def test_verification_signoffs_in_either_order_then_consent(case, roster, committee, order):
    walk_to(case, roster, "verification")
    stage = STAGE["verification"]
    first, second = (committee, "hepai-work-team") if order == "committee_first" else ("hepai-work-team", committee)
    approve(case, roster, "verification", first)
    assert not stage_complete(case, stage) and current_phase(case, stage) == 0
    approve(case, roster, "verification", second)
    assert not stage_complete(case, stage) and current_phase(case, stage) == 1
    assert set(case.filled) == {"village_committees", "work_team"}
    d = consent(case, roster)
    assert d.outcome == "consent" and d.slot == "household_consent" and d.stage == "verification"
    assert d.official_id == HEAD and d.role == "household_head" and d.jurisdiction_id == HOUSEHOLD_ID
    assert d.stage_pass == 1
    assert stage_complete(case, stage)
    assert set(case.filled) == {"village_committees", "work_team", "household_consent"}


def test_the_appraisal_recorder_may_also_verify(case, roster):
    """Different steps at the same (village) level: allowed."""
    walk_to(case, roster, "verification")  # appraisal recorded by hepai-secretary
    approve(case, roster, "verification", "hepai-secretary")
    approve(case, roster, "verification", "hepai-work-team")
    consent(case, roster)
    assert stage_complete(case, STAGE["verification"])


@pytest.mark.parametrize("first", ["changxiao-secretary", "changxiao-head"])
def test_township_review_secretary_and_head_same_meeting(case, roster, first):
    walk_to(case, roster, "township_review")
    second = "changxiao-head" if first == "changxiao-secretary" else "changxiao-secretary"
    approve(case, roster, "township_review", first, meeting_ref=TOWNSHIP_REF)
    assert not stage_complete(case, STAGE["township_review"])
    assert case.meeting_refs["township_review/0"] == TOWNSHIP_REF
    d = approve(case, roster, "township_review", second, meeting_ref=TOWNSHIP_REF)
    assert d.meeting_ref == TOWNSHIP_REF and d.jurisdiction_id == TOWNSHIP
    assert stage_complete(case, STAGE["township_review"])


@pytest.mark.parametrize("order", [("qingliu-secretary", "qingliu-head"), ("qingliu-head", "qingliu-secretary")])
def test_county_approval_group_first_then_secretary_and_head(case, roster, order):
    walk_to(case, roster, "county_approval")
    stage = STAGE["county_approval"]
    approve(case, roster, "county_approval", "qingliu-group", meeting_ref=COUNTY_GROUP_REF)
    assert current_phase(case, stage) == 1 and not stage_complete(case, stage)
    approve(case, roster, "county_approval", order[0], meeting_ref=COUNTY_REF)
    assert not stage_complete(case, stage)
    approve(case, roster, "county_approval", order[1], meeting_ref=COUNTY_REF)
    assert stage_complete(case, stage)
    # the two phases each keep their own meeting
    assert case.meeting_refs["county_approval/0"] == COUNTY_GROUP_REF
    assert case.meeting_refs["county_approval/1"] == COUNTY_REF


def test_full_happy_path_with_stage_complete_after_each_stage(case, roster):
    steps = {
        "appraisal": lambda: do_appraisal(case, roster),
        "verification": lambda: do_verification(case, roster),
        "township_review": lambda: do_township_review(case, roster),
        "county_approval": lambda: do_county_approval(case, roster),
    }
    for stage in HOUSEHOLD.stages:
        if case.stage != stage.id:
            enter_stage(case, stage.id)
        assert case.stage_pass[stage.id] == 1
        if stage.kind == "notice":
            do_notice(case)
            continue
        assert not stage_complete(case, stage)
        steps[stage.id]()
        assert stage_complete(case, stage)
    assert case.status == "open"
    assert [d.seq for d in case.decisions] == list(range(1, 10))
    assert [(d.stage, d.slot) for d in case.decisions] == [
        ("appraisal", "appraisal_meeting"),
        ("verification", "village_committees"),
        ("verification", "work_team"),
        ("verification", "household_consent"),
        ("township_review", "township_secretary"),
        ("township_review", "township_head"),
        ("county_approval", "county_group"),
        ("county_approval", "county_secretary"),
        ("county_approval", "county_head"),
    ]
    assert all(d.stage_pass == 1 and not d.superseded for d in case.decisions)
    assert len({d.person_id for d in case.decisions}) == 9


def test_enter_stage_clears_the_slots_of_the_stage_before(case, roster):
    do_appraisal(case, roster)
    enter_stage(case, "verification")
    assert case.stage == "verification" and case.filled == {}
    assert case.stage_pass == {"appraisal": 1, "verification": 1}


def test_reject_ends_the_case_with_the_reason(case, roster):
    walk_to(case, roster, "township_review")
    now = local(2017, 6, 1, 15)
    cmd = decision("township_review", "changxiao-head", "reject", note="2016年收入数据不实")
    d = apply_decision(case, HOUSEHOLD, roster, cmd, now)
    assert d.outcome == "reject" and d.slot is None and d.note == "2016年收入数据不实"
    assert case.status == "rejected"
    assert "2016年收入数据不实" in case.outcome_reason and "changxiao-head" in case.outcome_reason
    assert "township_review" in case.outcome_reason
    assert case.closed_at == now


# ================================================================================================
# Refusals
# ================================================================================================

# -- stage --------------------------------------------------------------------------------------


def test_decision_for_another_stage_is_refused(case, roster):
    cmd = decision("verification", "hepai-secretary")
    refused_decision(case, roster, cmd, WrongStage, "'appraisal'", "'verification'")


def test_decision_for_an_earlier_stage_is_refused(case, roster):
    walk_to(case, roster, "township_review")
    refused_decision(case, roster, appraisal(), WrongStage, "'township_review'", "'appraisal'")


@pytest.mark.parametrize("stage_id", ["hearing", "survey", "city_approval", "Appraisal"])
def test_stage_that_does_not_exist_is_refused(case, roster, stage_id):
    cmd = decision(stage_id, "hepai-secretary")
    refused_decision(case, roster, cmd, WrongStage, repr(stage_id), "not a stage", "appraisal, verification")


@pytest.mark.parametrize("outcome", ["approve", "return", "reject"])
def test_decide_at_the_notice_stage_is_refused(case, roster, outcome):
    walk_to(case, roster, "notice")
    fields = {"note": "x"} if outcome != "approve" else {}
    if outcome == "return":
        fields["to_stage"] = "verification"
    cmd = decision("notice", "hepai-secretary", outcome, **fields)
    refused_decision(case, roster, cmd, WrongStage, "public notice", "timer")


# -- official, role, jurisdiction ---------------------------------------------------------------------


def test_unknown_official_is_refused(case, roster):
    refused_decision(case, roster, appraisal("nobody-here"), UnknownOfficial, "nobody-here")


@pytest.mark.parametrize(
    ("stage_id", "official_id", "role"),
    [
        ("appraisal", "hepai-work-team", "work_team"),
        ("appraisal", "changxiao-secretary", "township_secretary"),
        ("verification", "changxiao-head", "township_head"),
        ("verification", "qingliu-group", "county_group"),
        ("township_review", "hepai-secretary", "village_secretary"),
        ("township_review", "qingliu-secretary", "county_secretary"),
        ("county_approval", "changxiao-secretary", "township_secretary"),
        ("county_approval", "sanming-group", "city_group"),
        ("county_approval", "fujian-group", "province_group"),
    ],
)
def test_wrong_role_is_refused(case, roster, stage_id, official_id, role):
    walk_to(case, roster, stage_id)
    fields = {"meeting_ref": "M-1"}
    if stage_id == "appraisal":
        fields["record"] = dict(APPRAISAL_RECORD)
    cmd = decision(stage_id, official_id, **fields)
    refused_decision(case, roster, cmd, WrongRole, official_id, role, f"'{stage_id}'")


@pytest.mark.parametrize("stage_id", ["appraisal", "verification", "township_review", "county_approval"])
def test_household_head_may_not_decide(case, roster, stage_id):
    walk_to(case, roster, stage_id)
    refused_decision(case, roster, decision(stage_id, HEAD), WrongRole, "consent")
    refused_decision(case, roster, decision(stage_id, HEAD, "reject", note="不同意"), WrongRole, "consent")


@pytest.mark.parametrize(
    ("stage_id", "official_id", "fields"),
    [
        ("appraisal", "shixia-secretary", {"meeting_ref": APPRAISAL_REF, "record": APPRAISAL_RECORD}),
        ("verification", "shixia-work-team", {}),
        ("township_review", "linshe-secretary", {"meeting_ref": TOWNSHIP_REF}),
        ("township_review", "linshe-head", {"meeting_ref": TOWNSHIP_REF}),
    ],
)
def test_official_of_another_township_is_refused(case, roster, stage_id, official_id, fields):
    walk_to(case, roster, stage_id)
    cmd = decision(stage_id, official_id, **fields)
    err = refused_decision(case, roster, cmd, WrongJurisdiction, official_id)
    needed = VILLAGE if stage_id in ("appraisal", "verification") else TOWNSHIP
    assert needed in str(err)


def test_head_of_another_household_may_not_consent(case, roster):
    walk_to(case, roster, "verification")
    approve(case, roster, "verification", "hepai-director")
    approve(case, roster, "verification", "hepai-work-team")
    refused_consent(case, roster, "changxiao-hepai-h002-head", WrongJurisdiction, "changxiao-hepai-h002", HOUSEHOLD_ID)


def test_county_official_of_another_county_is_refused(case):
    roster = build_roster(official("ninghua-secretary", Role.county_secretary, "ninghua"))
    walk_to(case, roster, "county_approval")
    approve(case, roster, "county_approval", "qingliu-group", meeting_ref=COUNTY_GROUP_REF)
    cmd = decision("county_approval", "ninghua-secretary", meeting_ref=COUNTY_REF)
    refused_decision(case, roster, cmd, WrongJurisdiction, "ninghua", "qingliu")


# -- consent -----------------------------------------------------------------------------------------


def test_consent_before_both_signoffs_is_out_of_order(case, roster):
    walk_to(case, roster, "verification")
    refused_consent(case, roster, HEAD, OutOfOrder, "household_consent", "village_committees", "work_team")


@pytest.mark.parametrize(("signed", "missing"), [("hepai-director", "work_team"), ("hepai-work-team", "village_committees")])
def test_consent_after_only_one_signoff_is_out_of_order(case, roster, signed, missing):
    walk_to(case, roster, "verification")
    approve(case, roster, "verification", signed)
    err = refused_consent(case, roster, HEAD, OutOfOrder, "household_consent", missing)
    other = {"work_team", "village_committees"} - {missing}
    assert other.pop() not in str(err)


@pytest.mark.parametrize("stage_id", ["appraisal", "notice", "township_review", "county_approval"])
def test_consent_at_another_stage_is_refused(case, roster, stage_id):
    walk_to(case, roster, stage_id)
    refused_consent(case, roster, HEAD, WrongStage, f"'{stage_id}'", "'verification'")


@pytest.mark.parametrize("official_id", ["hepai-secretary", "hepai-work-team"])
def test_an_official_who_signs_may_not_consent(case, roster, official_id):
    walk_to(case, roster, "verification")
    refused_consent(case, roster, official_id, WrongRole, "does not consent", "decide")


def test_an_official_of_no_verification_role_may_not_consent(case, roster):
    walk_to(case, roster, "verification")
    refused_consent(case, roster, "changxiao-secretary", WrongRole, "township_secretary")


def test_unknown_official_may_not_consent(case, roster):
    walk_to(case, roster, "verification")
    refused_consent(case, roster, "changxiao-hepai-h999-head", UnknownOfficial, "changxiao-hepai-h999-head")


# -- order within a stage --------------------------------------------------------------------------


@pytest.mark.parametrize("official_id", ["qingliu-secretary", "qingliu-head"])
def test_county_leaders_before_the_county_group_is_out_of_order(case, roster, official_id):
    walk_to(case, roster, "county_approval")
    cmd = decision("county_approval", official_id, meeting_ref=COUNTY_REF)
    refused_decision(case, roster, cmd, OutOfOrder, "county_group")


# -- the same slot twice, the same person twice ------------------------------------------------------


def test_second_village_committee_for_the_same_slot_is_already_signed(case, roster):
    walk_to(case, roster, "verification")
    approve(case, roster, "verification", "hepai-secretary")
    err = refused_decision(case, roster, decision("verification", "hepai-director"), AlreadySigned, "village_committees", "hepai-secretary")
    assert NOW.isoformat() in str(err)


def test_same_official_signing_the_same_slot_twice_is_already_signed(case, roster):
    walk_to(case, roster, "verification")
    approve(case, roster, "verification", "hepai-work-team")
    refused_decision(case, roster, decision("verification", "hepai-work-team"), AlreadySigned, "work_team")


def test_township_secretary_twice_is_already_signed(case, roster):
    walk_to(case, roster, "township_review")
    approve(case, roster, "township_review", "changxiao-secretary", meeting_ref=TOWNSHIP_REF)
    cmd = decision("township_review", "changxiao-secretary", meeting_ref=TOWNSHIP_REF)
    refused_decision(case, roster, cmd, AlreadySigned, "township_secretary")


def test_county_group_twice_is_already_signed(case, roster):
    walk_to(case, roster, "county_approval")
    approve(case, roster, "county_approval", "qingliu-group", meeting_ref=COUNTY_GROUP_REF)
    cmd = decision("county_approval", "qingliu-group", meeting_ref=COUNTY_GROUP_REF)
    refused_decision(case, roster, cmd, AlreadySigned, "county_group")


@pytest.mark.parametrize(("first", "second"), [("wang-director", "wang-work-team"), ("wang-work-team", "wang-director")])
def test_one_person_may_not_fill_both_signatures_of_a_stage(case, roster, first, second):
    walk_to(case, roster, "verification")
    approve(case, roster, "verification", first)
    refused_decision(case, roster, decision("verification", second), SamePerson, "p-wang", "two different people")


def test_one_person_may_not_fill_both_township_signatures(case):
    roster = build_roster(
        official("zhao-secretary", Role.township_secretary, TOWNSHIP, person_id="p-zhao"),
        official("zhao-head", Role.township_head, TOWNSHIP, person_id="p-zhao"),
    )
    walk_to(case, roster, "township_review")
    approve(case, roster, "township_review", "zhao-secretary", meeting_ref=TOWNSHIP_REF)
    cmd = decision("township_review", "zhao-head", meeting_ref=TOWNSHIP_REF)
    refused_decision(case, roster, cmd, SamePerson, "p-zhao", "two different people")


def test_one_person_may_not_sign_at_two_levels_of_a_case(case, roster):
    walk_to(case, roster, "verification")
    approve(case, roster, "verification", "hepai-director")
    approve(case, roster, "verification", "li-work-team")  # village level, as 包村干部
    consent(case, roster)
    enter_stage(case, "notice")
    do_notice(case)
    enter_stage(case, "township_review")
    approve(case, roster, "township_review", "changxiao-secretary", meeting_ref=TOWNSHIP_REF)
    cmd = decision("township_review", "li-township-head", meeting_ref=TOWNSHIP_REF)
    refused_decision(case, roster, cmd, SamePerson, "p-li", "two levels", "village", "work_team")


def test_one_person_signing_township_level_first_may_not_then_sign_county_level(case):
    roster = build_roster(
        official("sun-township-secretary", Role.township_secretary, TOWNSHIP, person_id="p-sun"),
        official("sun-county-group", Role.county_group, "qingliu", person_id="p-sun"),
    )
    walk_to(case, roster, "township_review")
    approve(case, roster, "township_review", "sun-township-secretary", meeting_ref=TOWNSHIP_REF)
    approve(case, roster, "township_review", "changxiao-head", meeting_ref=TOWNSHIP_REF)
    enter_stage(case, "county_approval")
    cmd = decision("county_approval", "sun-county-group", meeting_ref=COUNTY_GROUP_REF)
    refused_decision(case, roster, cmd, SamePerson, "p-sun", "two levels")


# -- meetings (集体研究) ---------------------------------------------------------------------------


def test_appraisal_without_meeting_ref_is_refused(case, roster):
    refused_decision(case, roster, appraisal(meeting_ref=None), MeetingRequired, "appraisal_meeting", "meeting")


@pytest.mark.parametrize("official_id", ["changxiao-secretary", "changxiao-head"])
def test_township_review_without_meeting_ref_is_refused(case, roster, official_id):
    walk_to(case, roster, "township_review")
    refused_decision(case, roster, decision("township_review", official_id), MeetingRequired, "集体研究", "--meeting")


def test_township_review_at_a_different_meeting_is_refused(case, roster):
    walk_to(case, roster, "township_review")
    approve(case, roster, "township_review", "changxiao-secretary", meeting_ref=TOWNSHIP_REF)
    cmd = decision("township_review", "changxiao-head", meeting_ref="长委〔2017〕61号")
    refused_decision(case, roster, cmd, MeetingRequired, TOWNSHIP_REF, "长委〔2017〕61号", "different meeting")


def test_county_leaders_at_a_different_meeting_are_refused(case, roster):
    walk_to(case, roster, "county_approval")
    approve(case, roster, "county_approval", "qingliu-group", meeting_ref=COUNTY_GROUP_REF)
    approve(case, roster, "county_approval", "qingliu-secretary", meeting_ref=COUNTY_REF)
    cmd = decision("county_approval", "qingliu-head", meeting_ref=COUNTY_GROUP_REF)
    refused_decision(case, roster, cmd, MeetingRequired, COUNTY_REF, "different meeting")


def test_county_group_needs_its_meeting_ref(case, roster):
    walk_to(case, roster, "county_approval")
    refused_decision(case, roster, decision("county_approval", "qingliu-group"), MeetingRequired, "county_group")


def test_empty_meeting_ref_is_not_a_meeting():
    with pytest.raises(ValidationError):
        decision("township_review", "changxiao-head", meeting_ref="")


# -- the appraisal record ---------------------------------------------------------------------------


def test_meeting_held_in_the_future_is_refused(case, roster):
    record = dict(APPRAISAL_RECORD, held_on=(NOW.date() + timedelta(days=1)).isoformat())
    refused_decision(case, roster, appraisal(record=record), InvalidRecord, "future", "2017-05-13")


@pytest.mark.parametrize("missing", ["held_on", "attendance", "result"])
def test_appraisal_record_missing_a_field_is_refused(case, roster, missing):
    record = {k: v for k, v in APPRAISAL_RECORD.items() if k != missing}
    refused_decision(case, roster, appraisal(record=record), InvalidRecord, missing, "not valid")


@pytest.mark.parametrize("record", [None, {}])
def test_appraisal_without_a_record_is_refused(case, roster, record):
    refused_decision(case, roster, appraisal(record=record), InvalidRecord, "appraisal_meeting", "must record")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"attendance": 0}, "attendance"),
        ({"attendance": "many"}, "attendance"),
        ({"result": ""}, "result"),
        ({"held_on": "last week"}, "held_on"),
        ({"minutes_by": "someone"}, "minutes_by"),  # extra fields are refused, not dropped
    ],
)
def test_appraisal_record_with_bad_fields_is_refused(case, roster, change, named):
    record = dict(APPRAISAL_RECORD, **change)
    refused_decision(case, roster, appraisal(record=record), InvalidRecord, named)


def test_record_on_a_signature_that_records_nothing_is_refused(case, roster):
    walk_to(case, roster, "verification")
    cmd = decision("verification", "hepai-director", record={"held_on": "2017-05-09"})
    refused_decision(case, roster, cmd, InvalidRecord, "village_committees", "records no stage data")


def test_record_on_a_return_is_refused(case, roster):
    walk_to(case, roster, "verification")
    cmd = decision("verification", "hepai-director", "return", note="重新评议", to_stage="appraisal", record=dict(APPRAISAL_RECORD))
    refused_decision(case, roster, cmd, InvalidRecord, "return")


# -- return / reject -----------------------------------------------------------------------------------


@pytest.mark.parametrize("to_stage", ["township_review", "county_approval"])
def test_return_to_the_same_or_a_later_stage_is_refused(case, roster, to_stage):
    walk_to(case, roster, "township_review")
    cmd = decision("township_review", "changxiao-head", "return", note="补充材料", to_stage=to_stage)
    refused_decision(case, roster, cmd, BadReturn, repr(to_stage), "earlier stage", "appraisal, verification, notice")


def test_return_to_a_stage_that_does_not_exist_is_refused(case, roster):
    walk_to(case, roster, "township_review")
    cmd = decision("township_review", "changxiao-head", "return", note="补充材料", to_stage="survey")
    refused_decision(case, roster, cmd, BadReturn, "'survey'")


def test_return_from_the_first_stage_is_refused(case, roster):
    cmd = decision("appraisal", "hepai-secretary", "return", note="x", to_stage="appraisal")
    refused_decision(case, roster, cmd, BadReturn, "there is none")


def test_return_by_an_official_who_does_not_sign_the_stage_is_refused(case, roster):
    walk_to(case, roster, "township_review")
    cmd = decision("township_review", "hepai-secretary", "return", note="x", to_stage="verification")
    refused_decision(case, roster, cmd, WrongRole, "only", "township_secretary", "return")


@pytest.mark.parametrize("outcome", ["return", "reject"])
def test_return_or_reject_by_another_township_is_refused(case, roster, outcome):
    walk_to(case, roster, "township_review")
    fields = {"note": "x", "to_stage": "verification"} if outcome == "return" else {"note": "x"}
    cmd = decision("township_review", "linshe-secretary", outcome, **fields)
    refused_decision(case, roster, cmd, WrongJurisdiction, "linshe", TOWNSHIP)


@pytest.mark.parametrize("outcome", ["return", "reject"])
@pytest.mark.parametrize("note", [None, ""])
def test_return_or_reject_without_a_note_is_invalid(outcome, note):
    fields = {"to_stage": "verification"} if outcome == "return" else {}
    with pytest.raises(ValidationError) as info:
        DecisionCommand(stage="township_review", outcome=outcome, official_id="changxiao-head", note=note, **fields)
    assert "note" in str(info.value)


def test_return_without_a_target_is_invalid():
    with pytest.raises(ValidationError, match="to_stage"):
        DecisionCommand(stage="township_review", outcome="return", official_id="changxiao-head", note="x")


@pytest.mark.parametrize("outcome", ["approve", "reject"])
def test_target_stage_only_goes_with_a_return(outcome):
    with pytest.raises(ValidationError, match="to_stage"):
        DecisionCommand(stage="township_review", outcome=outcome, official_id="changxiao-head", note="x", to_stage="verification")


def test_decision_command_refuses_unknown_fields_and_bad_ids():
    with pytest.raises(ValidationError):
        DecisionCommand(stage="appraisal", outcome="approve", official_id="hepai-secretary", meeting="M")
    with pytest.raises(ValidationError):
        DecisionCommand(stage="appraisal", outcome="approve", official_id="hepai secretary")
    with pytest.raises(ValidationError):
        DecisionCommand(stage="appraisal", outcome="endorse", official_id="hepai-secretary")


# -- closed cases --------------------------------------------------------------------------------------


def _rejected_at_township(case, roster) -> None:
    walk_to(case, roster, "township_review")
    apply_decision(case, HOUSEHOLD, roster, decision("township_review", "changxiao-head", "reject", note="收入数据不实"), NOW)
    assert case.status == "rejected"


@pytest.mark.parametrize(
    "cmd",
    [
        decision("township_review", "changxiao-secretary", meeting_ref=TOWNSHIP_REF),
        decision("township_review", "changxiao-secretary", "reject", note="again"),
        decision("township_review", "changxiao-secretary", "return", note="again", to_stage="verification"),
        decision("appraisal", "hepai-secretary", meeting_ref=APPRAISAL_REF, record=APPRAISAL_RECORD),
        decision("no-such-stage", "nobody"),
    ],
    ids=["approve", "reject", "return", "other-stage", "nonsense"],
)
def test_any_decision_on_a_rejected_case_is_refused(case, roster, cmd):
    _rejected_at_township(case, roster)
    refused_decision(case, roster, cmd, CaseNotOpen, CASE_ID, "rejected")


def test_consent_on_a_rejected_case_is_refused(case, roster):
    walk_to(case, roster, "verification")
    apply_decision(case, HOUSEHOLD, roster, decision("verification", "hepai-director", "reject", note="不符合条件"), NOW)
    refused_consent(case, roster, HEAD, CaseNotOpen, "rejected")


def test_decisions_on_an_exited_case_are_refused(case, roster):
    walk_to(case, roster, "county_approval")
    do_county_approval(case, roster)
    case.status = "exited"
    refused_decision(case, roster, decision("county_approval", "qingliu-head", meeting_ref=COUNTY_REF), CaseNotOpen, "exited")


def test_decision_on_a_case_still_opening_is_refused(roster):
    case = new_case()
    case.ready = False
    refused_decision(case, roster, appraisal(), CaseNotOpen, "still opening")


# ================================================================================================
# Regressions: bugs this suite found in the domain layer, now fixed
# ================================================================================================


def test_approve_on_a_completed_stage_is_a_refusal_not_a_crash(case, roster):
    do_appraisal(case, roster)
    assert stage_complete(case, STAGE["appraisal"])
    refused_decision(case, roster, appraisal("hepai-director"), AlreadySigned, "appraisal_meeting")


def test_consent_on_a_completed_verification_is_a_refusal_not_a_crash(case, roster):
    walk_to(case, roster, "verification")
    do_verification(case, roster)
    refused_consent(case, roster, HEAD, AlreadySigned, "household_consent")


def test_household_head_who_verified_as_village_director_may_not_also_consent(case):
    roster = build_roster(
        official("zhou-director", Role.village_director, VILLAGE, person_id="p-zhou"),
        official("changxiao-hepai-h001-head-zhou", Role.household_head, HOUSEHOLD_ID, person_id="p-zhou"),
    )
    walk_to(case, roster, "verification")
    approve(case, roster, "verification", "zhou-director")
    approve(case, roster, "verification", "hepai-work-team")
    refused_consent(case, roster, "changxiao-hepai-h001-head-zhou", SamePerson, "p-zhou")


def test_meeting_held_today_in_qingliu_is_accepted_when_now_is_utc(case, roster):
    now = datetime(2017, 5, 11, 18, 30, tzinfo=timezone.utc)
    assert now.astimezone(SHANGHAI).date() == date(2017, 5, 12)
    record = dict(APPRAISAL_RECORD, held_on="2017-05-12")
    approve(case, roster, "appraisal", "hepai-secretary", now, meeting_ref=APPRAISAL_REF, record=record)
    assert stage_complete(case, STAGE["appraisal"])
