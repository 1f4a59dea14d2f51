"""Which wait a case is in: the search attributes publish a wait once, when it begins, so a new wait
must never pass for the one before it, and a signature within a wait must not begin a new one."""

from datetime import timedelta

from domain.messages import ObjectionCommand
from domain.notice_rules import close_window, lodge_objection, open_window
from domain.procedures import HOUSEHOLD
from domain.signoff_rules import enter_stage
from domain.waits import awaited, wait_of, within

from .conftest import NOW, approve, consent, walk_to


def keys(case) -> list[str]:
    return [a.key() for a in awaited(case, HOUSEHOLD)]


def test_a_signature_that_leaves_others_of_its_phase_to_sign_is_the_same_wait(case, roster):
    walk_to(case, roster, "verification")
    began, first = wait_of(case, HOUSEHOLD), awaited(case, HOUSEHOLD)
    approve(case, roster, "verification", "hepai-director")
    assert wait_of(case, HOUSEHOLD) == began
    assert within(awaited(case, HOUSEHOLD), first) and awaited(case, HOUSEHOLD) != first
    approve(case, roster, "verification", "hepai-work-team")  # the phase is signed: the household's turn
    assert wait_of(case, HOUSEHOLD) != began
    assert keys(case) == ["household_head@changxiao-hepai-h001"]
    assert not within(awaited(case, HOUSEHOLD), first)


def test_a_stage_entered_again_after_a_return_is_a_new_wait_for_the_same_people(case, roster):
    walk_to(case, roster, "verification")
    first_pass, first = wait_of(case, HOUSEHOLD), keys(case)
    approve(case, roster, "verification", "hepai-director")
    approve(case, roster, "verification", "hepai-work-team")
    consent(case, roster)
    walk_to(case, roster, "township_review")
    approve(case, roster, "township_review", "changxiao-head", outcome="return", note="补充材料", to_stage="verification")
    assert keys(case) == [] and wait_of(case, HOUSEHOLD) != first_pass  # nobody, while it goes back
    enter_stage(case, "verification")
    assert keys(case) == first and wait_of(case, HOUSEHOLD) != first_pass


def test_in_the_notice_objections_lodged_settled_and_a_new_window_each_change_the_wait(case, roster):
    walk_to(case, roster, "notice")
    window = open_window(case, HOUSEHOLD.stage("notice"), NOW)
    quiet = wait_of(case, HOUSEHOLD)
    assert keys(case) == []
    lodge_objection(case, ObjectionCommand(name="张三", reason="收入不实", contact="13800000001"), NOW, "ref-1")
    objected = wait_of(case, HOUSEHOLD)
    assert objected != quiet and keys(case) == ["village_secretary@changxiao-hepai", "village_director@changxiao-hepai"]
    lodge_objection(case, ObjectionCommand(name="李四", reason="房屋未安全", contact="13800000002"), NOW, "ref-2")
    assert wait_of(case, HOUSEHOLD) == objected  # the same resolvers, the same wait
    for objection in case.objections:
        objection.status = "dismissed"
    close_window(case, "objected", NOW + timedelta(days=1))
    open_window(case, HOUSEHOLD.stage("notice"), NOW + timedelta(days=1))
    assert wait_of(case, HOUSEHOLD) not in (quiet, objected) and window.window_no == 1


def test_the_end_of_a_case_ends_its_wait(case, roster):
    walk_to(case, roster, "county_approval")
    before = wait_of(case, HOUSEHOLD)
    case.status = "exited"
    assert awaited(case, HOUSEHOLD) == [] and wait_of(case, HOUSEHOLD) != before


def test_an_issued_notice_awaits_its_posting_and_only_until_its_window_opens(case, roster):
    """三(一)2 并在村内公示不少于7天: the village's officials are awaited to post the issued notice; once its
    window opened, and between its windows, nobody is awaited for a posting."""
    walk_to(case, roster, "notice")
    case.notice_issued_at, case.notice_issued_pass = NOW, case.pass_id
    assert keys(case) == ["village_secretary@changxiao-hepai", "village_director@changxiao-hepai"]
    window = open_window(case, HOUSEHOLD.stage("notice"), NOW + timedelta(hours=1))
    assert keys(case) == []
    close_window(case, "objected", window.opened_at + timedelta(days=1))  # (a new full window follows)
    assert keys(case) == []
