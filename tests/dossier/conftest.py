"""Dossier tests: a household case built by the real domain functions with real Ed25519 signatures
(checked by the workflows' own check_signed before each is applied), and the time-skipping
server's `driver` fixture of the workflow tests."""

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.case import Announcement, CaseState
from domain.criteria.evaluate import evaluate_case
from domain.criteria.household import Guarantees, HouseholdFacts
from domain.dossier import RegistryExtras
from domain.messages import ConsentCommand, DecisionCommand, ObjectionCommand, ResolutionCommand
from domain.notice_rules import apply_resolution, close_window, lodge_objection, open_window
from domain.officials import Roster
from domain.procedures import HOUSEHOLD
from domain.signature_rules import KeyInfo, SignatureRefused, check_signed, record_accepted, record_refused
from domain.signing import SignedMessage, key_id, public_key_text
from domain.signoff_rules import apply_consent, apply_decision, enter_stage
from starters.signer import sign
from tests.domain.conftest import (
    APPRAISAL_RECORD, APPRAISAL_REF, COUNTY_GROUP_REF, COUNTY_REF, HEAD, HOUSEHOLD_ID, TOWNSHIP, TOWNSHIP_REF,
    VILLAGE, build_roster, local, new_case,
)
from tests.workflows.conftest import driver  # noqa: F401  (the time-skipping server's case driver)

REGISTERED = datetime(2016, 1, 1, tzinfo=timezone.utc)


class SignedCase:
    """Walks one household case to exit as the workflow would: every message signed and checked."""

    def __init__(self, policy: Any) -> None:
        self.roster: Roster = build_roster()
        self.private: dict[str, Ed25519PrivateKey] = {}
        self.keys: dict[str, KeyInfo] = {}
        self.case: CaseState = new_case(policy.notice)
        facts = HouseholdFacts(
            household_id=HOUSEHOLD_ID, village_id=VILLAGE, members=4, status="poor",
            per_capita_income={2016: "4200", 2017: "5100"}, guarantees=Guarantees(
                food_and_clothing=True, compulsory_education=True, basic_medical_care=True, safe_housing=True),
        ).model_dump(mode="json")
        self.case.facts = facts
        self.case.criteria = evaluate_case("household", facts, 2017, policy)
        self.extras = RegistryExtras()

    def key(self, official_id: str) -> Ed25519PrivateKey:
        if official_id not in self.private:
            key = Ed25519PrivateKey.generate()
            public = public_key_text(key.public_key())
            self.private[official_id] = key
            self.keys[official_id] = KeyInfo(key_id=key_id(public), official_id=official_id, public_key=public,
                                             registered_at=REGISTERED)
        return self.private[official_id]

    def _signed(self, official_id: str, stage: str, message: SignedMessage, now: datetime) -> Any:
        """Signed by the official's key, then checked and recorded as the workflow does."""
        official = self.roster.find(official_id)
        message = sign(self.key(official_id), self.case.case_id, stage, official, message)
        record_accepted(self.case, check_signed(self.case, message, stage=stage, official=official,
                                                keys=[self.keys[official_id]], now=now))
        return message

    def decide(self, stage: str, official_id: str, now: datetime, outcome: str = "approve", **fields: Any) -> None:
        cmd = self._signed(official_id, stage, DecisionCommand(stage=stage, outcome=outcome, official_id=official_id,
                                                               **fields), now)
        apply_decision(self.case, HOUSEHOLD, self.roster, cmd, now)

    def consent(self, now: datetime) -> None:
        cmd = self._signed(HEAD, self.case.stage, ConsentCommand(official_id=HEAD, note="本户同意退出"), now)
        apply_consent(self.case, HOUSEHOLD, self.roster, cmd, now)

    def resolve(self, objection_id: str, official_id: str, finding: str, now: datetime) -> None:
        cmd = self._signed(official_id, self.case.stage, ResolutionCommand(
            objection_id=objection_id, outcome="dismiss", official_id=official_id, finding=finding), now)
        apply_resolution(self.case, HOUSEHOLD, self.roster, cmd, now)

    def refused_forgery(self, stage: str, official_id: str, now: datetime) -> None:
        """A decision signed with a key nobody registered: refused, kept as an attempt, nothing else changes."""
        official = self.roster.find(official_id)
        self.key(official_id)
        cmd = sign(Ed25519PrivateKey.generate(), self.case.case_id, stage, official,
                   DecisionCommand(stage=stage, outcome="approve", official_id=official_id))
        with pytest.raises(SignatureRefused) as refused:
            check_signed(self.case, cmd, stage=stage, official=official, keys=[self.keys[official_id]], now=now)
        record_refused(self.case, cmd, stage=stage, official_id=official_id, reason=str(refused.value), at=now)

    def notice(self, opened: datetime) -> Any:
        window = open_window(self.case, HOUSEHOLD.stage("notice"), opened)
        self.extras.notices.append({
            "window_no": window.window_no, "scope_level": "village", "jurisdiction_id": VILLAGE,
            "opened_at": window.opened_at, "closes_at": window.closes_at, "closed_at": None, "outcome": None,
            "body": f"2017年拟退出贫困户公示（第{window.window_no}次）\n对象：{HOUSEHOLD_ID}",
        })
        return window


def exited_case(policy: Any) -> SignedCase:
    """民主评议 → 核实认可 (with a refused forgery and the household's consent) → 公示 with one objection
    dismissed and a second, clean window → 审核上报 → 批准退出 → 公告 and 销号."""
    s = SignedCase(policy)
    case = s.case
    s.decide("appraisal", "hepai-secretary", local(2017, 5, 10, 9, 30), meeting_ref=APPRAISAL_REF,
             record=dict(APPRAISAL_RECORD), note="评议通过")
    enter_stage(case, "verification")
    s.refused_forgery("verification", "hepai-director", local(2017, 5, 11, 8))
    s.decide("verification", "hepai-director", local(2017, 5, 11, 9), note="核实无误")
    s.decide("verification", "hepai-work-team", local(2017, 5, 11, 10))
    s.consent(local(2017, 5, 11, 11))
    enter_stage(case, "notice")
    first = s.notice(local(2017, 5, 11, 11))
    lodge_objection(case, ObjectionCommand(name="村民甲", reason="有务工收入未计入", contact="13800000000"),
                    local(2017, 5, 13, 15), "ref-0001")
    s.resolve("O1", "hepai-secretary", "入户核实，务工收入已计入，收入属实", local(2017, 5, 15, 10))
    close_window(case, "objected", local(2017, 5, 15, 10))
    s.extras.notices[0].update(closed_at=first.closed_at, outcome="objected")
    second = s.notice(local(2017, 5, 15, 10))
    close_window(case, "passed", second.closes_at)
    s.extras.notices[1].update(closed_at=second.closes_at, outcome="passed")
    enter_stage(case, "township_review")
    s.decide("township_review", "changxiao-secretary", local(2017, 5, 25, 9), meeting_ref=TOWNSHIP_REF)
    s.decide("township_review", "changxiao-head", local(2017, 5, 25, 9, 5), meeting_ref=TOWNSHIP_REF)
    enter_stage(case, "county_approval")
    s.decide("county_approval", "qingliu-group", local(2017, 6, 1, 9), meeting_ref=COUNTY_GROUP_REF)
    s.decide("county_approval", "qingliu-secretary", local(2017, 6, 2, 9), meeting_ref=COUNTY_REF)
    done = local(2017, 6, 2, 9, 30)
    s.decide("county_approval", "qingliu-head", done, meeting_ref=COUNTY_REF)
    for level, where in (("township", TOWNSHIP), ("village", VILLAGE)):
        case.announcements.append(Announcement(level=level, jurisdiction_id=where, at=done))
        s.extras.announcements.append({"kind": "announcement", "scope_level": level, "jurisdiction_id": where,
                                       "at": done, "body": f"公告：2017年贫困户 {HOUSEHOLD_ID} 经批准退出"})
    change = {"case_id": case.case_id, "unit_type": "household", "unit_id": HOUSEHOLD_ID, "from_status": "poor",
              "to_status": "exited", "at": (done + timedelta(seconds=1)).isoformat()}
    case.registry_change = change
    s.extras.status_changes.append({**change, "year": 2017})
    case.status, case.closed_at = "exited", done + timedelta(seconds=1)
    return s
