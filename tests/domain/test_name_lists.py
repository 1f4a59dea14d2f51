"""The pure rules of lists (名单): what the signature binds, how --except reads, what a member takes."""

import pytest

from domain.name_lists import (
    ListDecisionCommand, ListMember, NotOnList, default_return_stage, is_list_id, list_id_for, member_decision,
    members_digest, parse_exception,
)
from domain.procedures import HOUSEHOLD

A = ListMember(case_id="household-exit/a/2017", stage="township_review", pass_id="p-a")
B = ListMember(case_id="household-exit/b/2017", stage="township_review", pass_id="p-b")


def _cmd(**kw) -> ListDecisionCommand:
    return ListDecisionCommand(**{"list_id": "household-list/v/2017/0123456789ab", "stage": "township_review",
                                  "official_id": "t-secretary", "members": [A, B], **kw})


def test_the_digest_binds_every_member_its_state_and_the_list():
    base = members_digest("L", "township_review", [A, B])
    assert len(base) == 64
    assert members_digest("L", "township_review", [A]) != base
    assert members_digest("L", "township_review", [A, B.model_copy(update={"pass_id": "p-b2"})]) != base
    assert members_digest("M", "township_review", [A, B]) != base


def test_except_reads_return_reject_and_refuses_anything_else():
    back = parse_exception("household-exit/a/2017=return:材料不全", default_return_stage(HOUSEHOLD.stage_ids()))
    assert (back.outcome, back.to_stage, back.reason) == ("return", "verification", "材料不全")
    assert parse_exception("household-exit/a/2017=return@appraisal:重评", "verification").to_stage == "appraisal"
    assert parse_exception("household-exit/a/2017=reject:收入不达标", "verification").to_stage is None
    for bad in ("household-exit/a/2017", "household-exit/a/2017=approve:x", "household-exit/a/2017=reject:  ",
                "household-exit/a/2017=reject@notice:x", "=reject:x"):
        with pytest.raises(ValueError):
            parse_exception(bad, "verification")


def test_a_list_decision_names_each_member_once_and_excepts_only_members():
    with pytest.raises(ValueError):
        _cmd(members=[A, A])
    with pytest.raises(ValueError):
        _cmd(exceptions=[{"case_id": "household-exit/c/2017", "outcome": "reject", "reason": "x"}])
    with pytest.raises(ValueError):
        _cmd(members=[A, B.model_copy(update={"stage": "verification"})])


def test_a_member_takes_its_own_outcome_only_in_its_signed_state():
    cmd = _cmd(exceptions=[{"case_id": B.case_id, "outcome": "return", "reason": "材料不全", "to_stage": "verification"}])
    assert member_decision(cmd, A.case_id, "township_review", "p-a").outcome == "approve"
    returned = member_decision(cmd, B.case_id, "township_review", "p-b")
    assert (returned.outcome, returned.to_stage, returned.note) == ("return", "verification", "材料不全")
    for case_id, stage, pass_id in ((A.case_id, "township_review", "p-a2"), (A.case_id, "county_approval", "p-a"),
                                    ("household-exit/c/2017", "township_review", "p-c")):
        with pytest.raises(NotOnList):
            member_decision(cmd, case_id, stage, pass_id)


def test_list_ids_are_one_per_unit_year_and_member_set():
    one = list_id_for("household", "v", 2017, ["x", "y"])
    assert one == list_id_for("household", "v", 2017, ["y", "x"]) and is_list_id(one)
    assert one != list_id_for("household", "v", 2017, ["x"]) and not is_list_id("household-exit/x/2017")
