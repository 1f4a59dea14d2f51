"""三(一)2 核实认可: 经村"两委"和驻村工作组核实、得到拟退出贫困户认可 — the household's acknowledgement is a
condition of going on; a household that does not accept (不认可) sends the case back to the 民主评议
with its reason, which the case keeps."""

import pytest
from pydantic import ValidationError

from domain.messages import ConsentCommand
from domain.procedures import HOUSEHOLD
from domain.refusals import OutOfOrder, WrongRole
from domain.signoff_rules import apply_consent, check_consent, enter_stage

from .conftest import HEAD, NOW, approve, build_roster, new_case

REASON = "家中老人长期患病，收入不稳定，不认可退出"


def _verified():
    case, roster = new_case(), build_roster()
    enter_stage(case, "verification")
    approve(case, roster, "verification", "hepai-director")
    approve(case, roster, "verification", "hepai-work-team")
    return case, roster


def test_a_refusal_sends_the_case_back_to_the_appraisal_with_the_reason():
    case, roster = _verified()
    d = apply_consent(case, HOUSEHOLD, roster, ConsentCommand(official_id=HEAD, refuse=True, note=REASON), NOW)
    assert (d.outcome, d.note, d.to_stage, d.slot) == ("refuse", REASON, "appraisal", None)
    assert case.pending_return == "appraisal" and case.status == "open"
    assert "household_consent" not in case.filled
    # the village's verification signatures no longer count: the appraisal and everything after runs again
    assert all(x.superseded for x in case.decisions if x.outcome == "approve")
    assert case.model_dump(mode="json")["decisions"][-1]["note"] == REASON


@pytest.mark.parametrize("note", [None, "", "   "])
def test_a_refusal_needs_a_reason(note):
    with pytest.raises(ValidationError, match="reason|at least 1 character|cannot be blank"):
        ConsentCommand(official_id=HEAD, refuse=True, note=note)


def test_a_refusal_and_a_consent_are_signed_as_different_answers():
    yes = ConsentCommand(official_id=HEAD, note=REASON).signed_terms()
    no = ConsentCommand(official_id=HEAD, refuse=True, note=REASON).signed_terms()
    assert (yes.outcome, no.outcome) == ("consent", "refuse")


def test_only_the_household_head_refuses_and_only_when_asked():
    """Attack: the village secretary refuses in the household's name; the head refuses before the
    village's verification is signed."""
    case, roster = _verified()
    with pytest.raises(WrongRole):
        check_consent(case, HOUSEHOLD, roster, ConsentCommand(official_id="hepai-secretary", refuse=True, note=REASON))
    early, roster = new_case(), build_roster()
    enter_stage(early, "verification")
    with pytest.raises(OutOfOrder):
        check_consent(early, HOUSEHOLD, roster, ConsentCommand(official_id=HEAD, refuse=True, note=REASON))
    assert not early.decisions
