"""公示: open_window, objections while it is open, and their resolution by the village level."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from domain.messages import ObjectionCommand, ResolutionCommand
from domain.notice_calendar import NoticeRule
from domain.notice_rules import (
    apply_resolution,
    check_objection,
    check_resolution,
    close_window,
    lodge_objection,
    open_window,
)
from domain.procedures import HOUSEHOLD
from domain.refusals import (
    AlreadyObjected,
    CaseNotOpen,
    NoticeNotOpen,
    UnknownObjection,
    UnknownOfficial,
    WrongJurisdiction,
    WrongRole,
)
from domain.signoff_rules import enter_stage

from .conftest import CASE_ID, VILLAGE, local, new_case, refused, walk_to

NOTICE = HOUSEHOLD.stage("notice")
POSTED = local(2017, 5, 26, 10, 0)
CLOSES = local(2017, 6, 3)


def objection(name: str = "村民甲", reason: str = "该户2016年收入含一次性补偿, 不具代表性", contact: str = "13800000000") -> ObjectionCommand:
    return ObjectionCommand(name=name, reason=reason, contact=contact)


def resolution(objection_id: str = "O1", outcome: str = "dismiss", official_id: str = "hepai-secretary", finding: str = "经入户核实, 收入属实") -> ResolutionCommand:
    return ResolutionCommand(objection_id=objection_id, outcome=outcome, official_id=official_id, finding=finding)


def lodge(case, now, contact_ref: str = "contact-0001", **kw):
    return lodge_objection(case, objection(**kw), now, contact_ref)


def resolve(case, roster, now=POSTED + timedelta(days=2), **kw):
    return apply_resolution(case, HOUSEHOLD, roster, resolution(**kw), now)


def refused_objection(case, now, *words, refusal=NoticeNotOpen):
    cmd = objection()
    refused(case, refusal, lambda: check_objection(case, cmd, now), *words)
    return refused(case, refusal, lambda: lodge_objection(case, cmd, now, "ref-x"), *words)


def refused_resolution(case, roster, cmd, refusal, *words, now=POSTED + timedelta(days=3)):
    refused(case, refusal, lambda: check_resolution(case, HOUSEHOLD, roster, cmd), *words)
    return refused(case, refusal, lambda: apply_resolution(case, HOUSEHOLD, roster, cmd, now), *words)


@pytest.fixture
def noticed(case, roster):
    """A case at the notice stage with its first window posted at POSTED."""
    walk_to(case, roster, "notice")
    open_window(case, NOTICE, POSTED)
    return case


# -- open_window ---------------------------------------------------------------------------------------


def test_open_window_follows_the_rule_and_posts_in_the_village(case, roster):
    walk_to(case, roster, "notice")
    window = open_window(case, NOTICE, POSTED)
    assert window.window_no == 1 and window.stage == "notice"
    assert window.opened_at == POSTED
    assert window.closes_at == CLOSES == case.notice_rule.closes_at(POSTED)
    assert [(s.level, s.jurisdiction_id) for s in window.scopes] == [("village", VILLAGE)]
    assert window.closed_at is None and window.outcome is None
    assert case.notices == [window] and case.current_notice() is window


def test_open_window_uses_the_case_rule():
    case = new_case(notice_rule=NoticeRule(days=10))
    enter_stage(case, "notice")
    assert open_window(case, NOTICE, POSTED).closes_at == local(2017, 6, 6)


def test_a_new_window_after_a_dismissal_is_a_full_window(noticed, roster):
    lodge(noticed, POSTED + timedelta(days=1))
    resolve(noticed, roster, now=POSTED + timedelta(days=4))
    close_window(noticed, "objected", POSTED + timedelta(days=4))
    second_posted = POSTED + timedelta(days=4)
    second = open_window(noticed, NOTICE, second_posted)
    assert second.window_no == 2
    assert second.closes_at == local(2017, 6, 7)  # 7 full days from the new posting
    assert noticed.current_notice() is second
    assert noticed.notices[0].outcome == "objected"


# -- objections ------------------------------------------------------------------------------------------


def test_objection_while_open_is_accepted_as_o1(noticed):
    now = POSTED + timedelta(days=2)
    o = lodge(noticed, now)
    assert o.objection_id == "O1" and o.window_no == 1 and o.status == "open"
    assert o.name == "村民甲" and o.contact_ref == "contact-0001" and o.lodged_at == now
    assert noticed.objections == [o] and noticed.open_objections() == [o]
    o2 = lodge(noticed, now + timedelta(hours=1), name="村民乙")
    assert o2.objection_id == "O2"


def test_objection_a_second_before_the_close_is_accepted(noticed):
    assert lodge(noticed, CLOSES - timedelta(seconds=1)).objection_id == "O1"


def test_objection_at_the_close_is_refused(noticed):
    refused_objection(noticed, CLOSES, "closed", CLOSES.isoformat(), "no longer taken")


def test_objection_after_the_close_is_refused(noticed):
    refused_objection(noticed, CLOSES + timedelta(hours=5), "closed")


def test_objection_after_the_close_is_accepted_while_another_is_still_open(noticed, roster):
    lodge(noticed, POSTED + timedelta(days=6))
    late = lodge(noticed, CLOSES + timedelta(hours=3), name="村民乙")
    assert late.objection_id == "O2" and late.window_no == 1


def test_once_every_objection_is_resolved_the_late_door_shuts(noticed, roster):
    lodge(noticed, POSTED + timedelta(days=6))
    resolve(noticed, roster, now=CLOSES + timedelta(hours=1))
    refused_objection(noticed, CLOSES + timedelta(hours=2), "closed")


def test_objection_when_no_notice_was_ever_posted_is_refused(case):
    refused_objection(case, POSTED, "no public notice", CASE_ID, "'appraisal'")


def test_objection_at_the_notice_stage_before_posting_is_refused(case, roster):
    walk_to(case, roster, "notice")
    refused_objection(case, POSTED, "no public notice")


def test_objection_to_an_issued_notice_awaiting_its_posting_is_refused_as_such(case, roster):
    walk_to(case, roster, "notice")
    case.notice_issued_at, case.notice_issued_pass = POSTED, case.pass_id
    refused_objection(case, POSTED, "not been posted yet")


def test_objection_to_a_reissued_notice_after_a_return_is_refused_as_not_yet_posted(noticed):
    """The first pass's window closed; the case came back to the notice, whose new notice is issued and
    awaits its posting: the objection is refused because the new notice is not up yet, not because the
    old one closed."""
    close_window(noticed, "passed", CLOSES)
    enter_stage(noticed, "township_review")
    enter_stage(noticed, "notice")  # (returned to it)
    noticed.notice_issued_at, noticed.notice_issued_pass = CLOSES + timedelta(days=2), noticed.pass_id
    refused_objection(noticed, CLOSES + timedelta(days=2, hours=1), "not been posted yet")


def test_objection_after_a_posted_window_closed_is_refused_as_closed_not_as_unposted(noticed):
    noticed.notice_issued_at, noticed.notice_issued_pass = POSTED - timedelta(hours=1), noticed.pass_id
    close_window(noticed, "passed", CLOSES)  # (the case has not moved on yet)
    refused_objection(noticed, CLOSES + timedelta(minutes=1), "closed", "no longer taken")


def test_objection_after_the_window_was_closed_is_refused(noticed):
    close_window(noticed, "passed", CLOSES)
    refused_objection(noticed, CLOSES + timedelta(minutes=1), "closed", "no longer taken")


def test_objection_once_the_case_moved_on_is_refused(noticed):
    close_window(noticed, "passed", CLOSES)
    enter_stage(noticed, "township_review")
    refused_objection(noticed, CLOSES + timedelta(days=1), "'township_review'", "takes no objections")


def test_objection_on_a_rejected_case_is_refused(noticed, roster):
    lodge(noticed, POSTED + timedelta(days=1))
    resolve(noticed, roster, outcome="uphold", finding="收入含一次性补偿, 不稳定")
    refused_objection(noticed, POSTED + timedelta(days=3), "rejected", refusal=CaseNotOpen)


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "", "reason": "x", "contact": "c-1"},
        {"name": "a", "reason": "", "contact": "c-1"},
        {"name": "a", "reason": "   \n\t", "contact": "c-1"},  # a reason of whitespace only
        {"name": "  ", "reason": "x", "contact": "c-1"},
        {"name": "a", "reason": "x", "contact": " "},
        {"name": "a", "reason": "x"},
        {"name": "a", "reason": "x", "contact_ref": "c-1"},  # the case makes the reference, not the sender
        {"name": "a", "reason": "x", "contact": "c-1", "phone": "13800000000"},
    ],
)
def test_objection_command_validation(fields):
    with pytest.raises(ValidationError):
        ObjectionCommand(**fields)


# -- resolution -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("resolver", ["hepai-secretary", "hepai-director"])
def test_dismiss_keeps_the_case_open(noticed, roster, resolver):
    lodge(noticed, POSTED + timedelta(days=1))
    now = POSTED + timedelta(days=2)
    o = resolve(noticed, roster, now=now, official_id=resolver)
    assert o.status == "dismissed" and o.resolved_by == resolver and o.resolved_at == now
    assert o.finding == "经入户核实, 收入属实"
    assert o.resolver_role in ("village_secretary", "village_director")
    assert noticed.status == "open" and noticed.outcome_reason is None
    assert noticed.open_objections() == []


def test_uphold_rejects_the_case_with_the_finding(noticed, roster):
    lodge(noticed, POSTED + timedelta(days=1))
    now = POSTED + timedelta(days=3)
    finding = "经核实该户2016年收入含一次性征地补偿, 不属稳定收入"
    o = resolve(noticed, roster, now=now, outcome="uphold", finding=finding)
    assert o.status == "upheld" and o.finding == finding and o.resolved_by == "hepai-secretary"
    assert noticed.status == "rejected"
    assert finding in noticed.outcome_reason
    assert "O1" in noticed.outcome_reason and "hepai-secretary" in noticed.outcome_reason
    assert noticed.closed_at == now


def test_resolve_by_a_wrong_role_is_refused(noticed, roster):
    lodge(noticed, POSTED + timedelta(days=1))
    for official_id, role in [
        ("hepai-work-team", "work_team"),
        ("changxiao-secretary", "township_secretary"),
        ("qingliu-group", "county_group"),
        ("changxiao-hepai-h001-head", "household_head"),
    ]:
        cmd = resolution(official_id=official_id)
        refused_resolution(noticed, roster, cmd, WrongRole, official_id, role, "village_secretary, village_director")


def test_resolve_by_an_official_of_another_township_is_refused(noticed, roster):
    lodge(noticed, POSTED + timedelta(days=1))
    cmd = resolution(official_id="shixia-secretary")
    refused_resolution(noticed, roster, cmd, WrongJurisdiction, "shixia-secretary", "linshe-shixia", VILLAGE)


def test_resolve_by_an_unknown_official_is_refused(noticed, roster):
    lodge(noticed, POSTED + timedelta(days=1))
    refused_resolution(noticed, roster, resolution(official_id="someone-else"), UnknownOfficial, "someone-else")


def test_resolving_twice_is_refused(noticed, roster):
    lodge(noticed, POSTED + timedelta(days=1))
    resolve(noticed, roster)
    refused_resolution(noticed, roster, resolution(outcome="uphold"), UnknownObjection, "O1", "already dismissed", "hepai-secretary")


def test_resolving_an_upheld_objection_again_is_refused(noticed, roster):
    lodge(noticed, POSTED + timedelta(days=1))
    resolve(noticed, roster, outcome="uphold")
    refused_resolution(noticed, roster, resolution(outcome="dismiss"), CaseNotOpen, "rejected")


def test_unknown_objection_id_is_refused(noticed, roster):
    lodge(noticed, POSTED + timedelta(days=1))
    refused_resolution(noticed, roster, resolution(objection_id="O7"), UnknownObjection, "'O7'", "objections: O1")


def test_unknown_objection_id_when_there_are_none(noticed, roster):
    refused_resolution(noticed, roster, resolution(objection_id="O1"), UnknownObjection, "'O1'", "none")


def test_each_objection_is_resolved_on_its_own(noticed, roster):
    lodge(noticed, POSTED + timedelta(days=1))
    lodge(noticed, POSTED + timedelta(days=2), name="村民乙")
    resolve(noticed, roster, objection_id="O2")
    assert [o.objection_id for o in noticed.open_objections()] == ["O1"]
    resolve(noticed, roster, objection_id="O1", official_id="hepai-director")
    assert noticed.open_objections() == [] and noticed.status == "open"


@pytest.mark.parametrize("fields", [{"finding": ""}, {"outcome": "withdraw"}, {"objection_id": ""}])
def test_resolution_command_validation(fields):
    base = {"objection_id": "O1", "outcome": "dismiss", "official_id": "hepai-secretary", "finding": "x"}
    with pytest.raises(ValidationError):
        ResolutionCommand(**(base | fields))


def test_one_objector_objects_once_per_notice_however_they_spell_it(noticed):
    now = POSTED + timedelta(days=2)
    lodge(noticed, now, name="村民甲", contact="138 0000 0000")
    for name, contact in (("村民甲", "13800000000"), (" 村民甲 ", "138-0000-0000"), ("村民甲", "１３８００００００００")):
        refused(noticed, AlreadyObjected, lambda: check_objection(noticed, objection(name=name, contact=contact), now),
                "objected already")
    # another objector, or the same name with another contact, is someone else
    lodge(noticed, now, name="村民乙", contact="13800000000")
    lodge(noticed, now, name="村民甲", contact="13900000000")
    assert [o.objection_id for o in noticed.objections] == ["O1", "O2", "O3"]


def test_the_objector_digest_never_leaves_the_case(noticed):
    lodge(noticed, POSTED + timedelta(days=2))
    assert noticed.objector_digests
    dumped = noticed.model_dump_json()
    assert "objector_digests" not in dumped and "13800000000" not in dumped
