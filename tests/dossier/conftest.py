"""Dossier tests: a household case built by the real domain functions with real Ed25519 signatures
(each official's key certified by a test root and checked by the workflows' own check_signed before
it is applied), anchored by a certified service key as the workflow anchors it, and the
time-skipping server's `driver` fixture of the workflow tests."""

import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.anchors import AnchorStatement, sign_anchor
from domain.case import Announcement, CaseState
from domain.certificates import KeyCertificate, KeyRevocation, issue_certificate, issue_revocation
from domain.criteria.evaluate import evaluate_case
from domain.criteria.household import Guarantees, HouseholdFacts
from domain.dossier import RegistryExtras, order_head
from domain.messages import ConsentCommand, DecisionCommand, ObjectionCommand, ResolutionCommand
from domain.notice_rules import apply_resolution, close_window, lodge_objection, open_window
from domain.officials import Official, Roster
from domain.procedures import HOUSEHOLD
from domain.signature_rules import SignatureRefused, check_signed, record_accepted, record_refused
from domain.signing import SignedMessage, public_key_text
from domain.signoff_rules import apply_consent, apply_decision, enter_stage
from starters.signer import sign
from starters.trust_setup import SERVICE_ID
from tests.domain.conftest import (
    APPRAISAL_RECORD, APPRAISAL_REF, COUNTY, COUNTY_GROUP_REF, COUNTY_REF, HEAD, HOUSEHOLD_ID, TOWNSHIP, TOWNSHIP_REF,
    VILLAGE, build_roster, local, new_case,
)
from tests.workflows.conftest import driver  # noqa: F401  (the time-skipping server's case driver)

REGISTERED = datetime(2016, 1, 1, tzinfo=timezone.utc)


class TestRoot:
    """The administrator's root: certifies officials' keys and the service key, signs revocations."""

    __test__ = False

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.public = public_key_text(self.key.public_key())

    def certify(self, key: Ed25519PrivateKey, official: Official) -> KeyCertificate:
        return issue_certificate(
            self.key, serial=secrets.token_hex(16), official_id=official.official_id, person_id=official.person_id,
            role=official.role.value, jurisdiction_id=official.jurisdiction_id,
            public_key=public_key_text(key.public_key()), valid_from=REGISTERED, issued_at=REGISTERED,
        )

    def certify_service(self, key: Ed25519PrivateKey) -> KeyCertificate:
        return issue_certificate(
            self.key, serial=secrets.token_hex(16), official_id=SERVICE_ID, person_id=SERVICE_ID, role="service",
            jurisdiction_id=COUNTY, public_key=public_key_text(key.public_key()), valid_from=REGISTERED,
            issued_at=REGISTERED,
        )

    def revoke(self, cert: KeyCertificate, at: datetime) -> KeyRevocation:
        return issue_revocation(self.key, cert, revoked_at=at, reason="test")


class SignedCase:
    """Walks one household case to exit as the workflow would: every message signed and checked."""

    def __init__(self, policy: Any, root: TestRoot | None = None) -> None:
        self.root = root or TestRoot()
        self.roster: Roster = build_roster()
        self.private: dict[str, Ed25519PrivateKey] = {}
        self.certs: dict[str, KeyCertificate] = {}
        self.service_key = Ed25519PrivateKey.generate()
        self.service_cert = self.root.certify_service(self.service_key)
        self.case: CaseState = new_case(policy.notice)
        self.case.trust_root = self.root.public
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
            self.private[official_id] = key
            self.certs[official_id] = self.root.certify(key, self.roster.find(official_id))
        return self.private[official_id]

    def _signed(self, official_id: str, stage: str, message: SignedMessage, now: datetime) -> Any:
        """Signed by the official's certified key for this stage's pass, then checked and recorded as
        the workflow does."""
        official = self.roster.find(official_id)
        key = self.key(official_id)
        message = sign(key, self.certs[official_id], self.case.case_id, stage, self.case.pass_id or "", message,
                       signed_at=now)
        record_accepted(self.case, check_signed(self.case, message, stage=stage, pass_id=self.case.pass_id or "",
                                                official=official, now=now))
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
        """A decision signed with a key another root certified: refused, kept as an attempt, nothing else changes."""
        official = self.roster.find(official_id)
        forger = Ed25519PrivateKey.generate()
        cmd = sign(forger, TestRoot().certify(forger, official), self.case.case_id, stage, self.case.pass_id or "",
                   DecisionCommand(stage=stage, outcome="approve", official_id=official_id), signed_at=now)
        with pytest.raises(SignatureRefused) as refused:
            check_signed(self.case, cmd, stage=stage, pass_id=self.case.pass_id or "", official=official, now=now)
        record_refused(self.case, cmd, stage=stage, official_id=official_id, reason=str(refused.value), at=now)

    def anchor(self, now: datetime, final: bool = False) -> None:
        """What the workflow does at each notice posting and close, and at 销号 (workflows/dossier_anchors.py)."""
        anchor_case(self.case, self.service_key, self.service_cert, now, final)


    def notice(self, opened: datetime) -> Any:
        window = open_window(self.case, HOUSEHOLD.stage("notice"), opened)
        self.extras.notices.append({
            "window_no": window.window_no, "scope_level": "village", "jurisdiction_id": VILLAGE,
            "opened_at": window.opened_at, "closes_at": window.closes_at, "closed_at": None, "outcome": None,
            "body": f"2017年拟退出贫困户公示（第{window.window_no}次）\n对象：{HOUSEHOLD_ID}",
        })
        return window

def anchor_case(case: CaseState, key: Ed25519PrivateKey, cert: KeyCertificate, now: datetime, final: bool = False) -> None:
    """The service signs the order of the case's entries as they stand (count, head)."""
    count, head = order_head(case)
    statement = AnchorStatement(case_id=case.case_id, count=count, head=head, final=final, at=now)
    case.anchors.append(sign_anchor(key, cert, statement))


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
    s.anchor(local(2017, 5, 11, 11))
    lodge_objection(case, ObjectionCommand(name="村民甲", reason="有务工收入未计入", contact="13800000000"),
                    local(2017, 5, 13, 15), "ref-0001")
    s.resolve("O1", "hepai-secretary", "入户核实，务工收入已计入，收入属实", local(2017, 5, 15, 10))
    close_window(case, "objected", local(2017, 5, 15, 10))
    s.extras.notices[0].update(closed_at=first.closed_at, outcome="objected")
    s.anchor(local(2017, 5, 15, 10))
    second = s.notice(local(2017, 5, 15, 10))
    s.anchor(local(2017, 5, 15, 10))
    close_window(case, "passed", second.closes_at)
    s.extras.notices[1].update(closed_at=second.closes_at, outcome="passed")
    s.anchor(second.closes_at)
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
    s.anchor(done + timedelta(seconds=1), final=True)
    return s


# -- a built exited case and its dossier, and the dossier commands without a server ----------------------
GENERATED = datetime(2017, 6, 3, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def built(policy) -> Any:
    return exited_case(policy)


@pytest.fixture(scope="module")
def root(built) -> str:
    return built.root.public


@pytest.fixture
def doc(built) -> dict[str, Any]:
    from domain.dossier import build_dossier

    return build_dossier(built.case, built.extras, [], GENERATED)


@pytest.fixture
def runner_cli() -> Any:
    import click

    from starters.dossier_commands import dossier, trace

    @click.group()
    def cli() -> None:
        pass

    cli.add_command(dossier)
    cli.add_command(trace)
    return cli


@pytest.fixture
def root_file(root, tmp_path) -> str:
    path = tmp_path / "admin-root.pub"
    path.write_text(root + "\n", encoding="ascii")
    return str(path)
