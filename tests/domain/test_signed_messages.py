"""One signed-message model: every signed command says what it signs, the signer (starters.signer.sign)
and the verifier (domain.signature_rules.check_signed) build the same content from it, and changing
any one field of a signed message after signing makes its signature refused."""

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.messages import ConsentCommand, DecisionCommand, ResolutionCommand
from domain.officials import Official
from domain.reentry import STAGE as REENTRY_STAGE
from domain.reentry import NewHousehold, ReentryCommand
from domain.roles import Role
from domain.certificates import KeyCertificate, issue_certificate
from domain.signature_rules import Ledger, SignatureRefused, check_signed, record_accepted
from domain.signing import SignedMessage, public_key_text, verify
from domain.spot_check import FINDING_STAGE, START_STAGE, FindingCommand, SpotCheckInput
from domain.spot_check_referral import DECISION_STAGE, REPORT_STAGE, DecisionOnReferral, ReportCommand
from starters.signer import sign

NOW = datetime(2017, 6, 1, 9, tzinfo=timezone.utc)
SUBJECT = "household-exit/changxiao-shaping-h001/2017"
SIGNER = Official(official_id="a-secretary", person_id="p-a", name="甲", role=Role.village_secretary,
                  jurisdiction_id="changxiao-shaping")
OTHER = Official(official_id="a-director", person_id="p-b", name="乙", role=Role.village_director,
                 jurisdiction_id="changxiao-shaping")


class Signed:
    """One signed command: the message, the stage it is verified at, the field naming its signer, and
    for every other field a different value."""

    def __init__(self, message: SignedMessage, stage: Callable[[Any], str], signer_field: str,
                 changes: dict[str, Any]) -> None:
        self.message, self.stage, self.signer_field, self.changes = message, stage, signer_field, changes

    def __repr__(self) -> str:
        return type(self.message).__name__


def fixed(stage: str) -> Callable[[Any], str]:
    return lambda _message: stage


COMMANDS = [
    Signed(
        DecisionCommand(stage="verification", outcome="return", official_id=SIGNER.official_id, meeting_ref="评议〔2017〕2号",
                        note="收入需复核", to_stage="appraisal", record={"held_on": "2017-03-01", "attendance": 42}),
        lambda m: m.stage, "official_id",
        {"stage": "township_review", "outcome": "reject", "meeting_ref": "评议〔2017〕3号", "note": "收入已复核",
         "to_stage": "verification", "record": {"held_on": "2017-03-01", "attendance": 43}},
    ),
    Signed(ConsentCommand(official_id=SIGNER.official_id, note="本户同意退出"), fixed("verification"), "official_id",
           {"note": "本户不同意退出", "refuse": True}),
    Signed(
        ResolutionCommand(objection_id="O1", outcome="dismiss", official_id=SIGNER.official_id, finding="入户核实，收入属实"),
        fixed("notice"), "official_id",
        {"objection_id": "O2", "outcome": "uphold", "finding": "入户核实，收入不实"},
    ),
    Signed(
        FindingCommand(unit_id="changxiao-shaping-h001", unit_type="household", verdict="confirmed",
                       official_id=SIGNER.official_id, note="入户核查属实"),
        fixed(FINDING_STAGE), "official_id",
        {"unit_id": "changxiao-shaping-h002", "unit_type": "village_poor", "verdict": "false_exit", "note": "数据不实"},
    ),
    Signed(
        ReportCommand(unit_id="changxiao-shaping-h001", unit_type="household", conclusion="incomplete",
                      official_id=SIGNER.official_id, meeting_ref="镇会1号", finding="公示未张贴", steps=("notice",)),
        fixed(REPORT_STAGE), "official_id",
        {"unit_id": "changxiao-shaping-h002", "unit_type": "village_poor", "conclusion": "false_exit",
         "meeting_ref": "镇会2号", "finding": "收入不实", "steps": ("verification",)},
    ),
    Signed(
        DecisionOnReferral(unit_id="changxiao-shaping-h001", unit_type="household", ruling="redo",
                           official_id=SIGNER.official_id, meeting_ref="县会1号", note="重新公示", steps=("notice",)),
        fixed(DECISION_STAGE), "official_id",
        {"unit_id": "changxiao-shaping-h002", "unit_type": "village_poor", "ruling": "reverse", "meeting_ref": "县会2号", "note": "撤销",
         "steps": ("verification",)},
    ),
    Signed(
        SpotCheckInput(county_id="qingliu", year=2017, percent=10, seed=7, initiator_id=SIGNER.official_id,
                       remind_after_days=30),
        fixed(START_STAGE), "initiator_id",
        {"county_id": "ninghua", "year": 2018, "percent": 20, "seed": 8, "remind_after_days": 31},
    ),
    Signed(
        ReentryCommand(household_id="changxiao-shaping-h001", kind="return", reason="因病返贫", evidence_sha256="ab" * 32,
                       previous_case_id=SUBJECT, official_id=SIGNER.official_id),
        fixed(REENTRY_STAGE), "official_id",
        {"household_id": "changxiao-shaping-h002", "kind": "new", "reason": "因学返贫", "evidence_sha256": "cd" * 32,
         "previous_case_id": "household-exit/changxiao-shaping-h001/2016",
         "household": NewHousehold(village_id="changxiao-shaping", members=3, head_name="丙")},
    ),
]


ROOT = Ed25519PrivateKey.generate()
ROOT_PUBLIC = public_key_text(ROOT.public_key())
PASS = "pass-1"


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _cert(key: Ed25519PrivateKey) -> KeyCertificate:
    return issue_certificate(
        ROOT, serial="0" * 32, official_id=SIGNER.official_id, person_id=SIGNER.person_id, role=SIGNER.role.value,
        jurisdiction_id=SIGNER.jurisdiction_id, public_key=public_key_text(key.public_key()), valid_from=NOW, issued_at=NOW,
    )


def _ledger(subject: str = SUBJECT) -> Ledger:
    return Ledger(subject_id=subject, trust_root=ROOT_PUBLIC)


def _signed(key: Ed25519PrivateKey, command: Signed) -> SignedMessage:
    return sign(key, _cert(key), SUBJECT, command.stage(command.message), PASS, command.message, signed_at=NOW)


@pytest.mark.parametrize("command", COMMANDS, ids=repr)
def test_every_field_is_either_signed_or_the_signature(command: Signed) -> None:
    fields = set(type(command.message).model_fields)
    assert fields == set(command.changes) | {command.signer_field, "signature"}, (
        "a field of a signed command that this test does not change: is it signed?"
    )


@pytest.mark.parametrize("command", COMMANDS, ids=repr)
def test_the_signer_and_the_verifier_sign_and_check_the_same_content(key: Ed25519PrivateKey, command: Signed) -> None:
    message = _signed(key, command)
    stage = command.stage(message)
    content = message.signed_content(subject_id=SUBJECT, stage=stage, pass_id=PASS, official=SIGNER,
                                     key=_cert(key).key_id, signed_at=NOW)
    assert message.signature is not None and verify(public_key_text(key.public_key()), content, message.signature.value)
    ledger = _ledger()
    accepted = check_signed(ledger, message, stage=stage, pass_id=PASS, official=SIGNER, now=NOW)
    assert accepted == message.signature
    record_accepted(ledger, accepted)
    with pytest.raises(SignatureRefused, match="counts once"):
        check_signed(ledger, message, stage=stage, pass_id=PASS, official=SIGNER, now=NOW)


@pytest.mark.parametrize("command", COMMANDS, ids=repr)
def test_changing_any_signed_field_invalidates_the_signature(key: Ed25519PrivateKey, command: Signed) -> None:
    message = _signed(key, command)
    for field, value in command.changes.items():
        altered = message.model_copy(update={field: value})
        assert getattr(altered, field) != getattr(message, field)
        with pytest.raises(SignatureRefused, match="does not match|made for stage"):
            check_signed(_ledger(), altered, stage=command.stage(altered), pass_id=PASS, official=SIGNER, now=NOW)
    # the signer: the same message, verified as another official's (with the signer's key at hand)
    signed_by_other = message.model_copy(update={command.signer_field: OTHER.official_id})
    with pytest.raises(SignatureRefused, match="certified for"):
        check_signed(_ledger(), signed_by_other, stage=command.stage(message), pass_id=PASS, official=OTHER, now=NOW)


@pytest.mark.parametrize("command", COMMANDS, ids=repr)
def test_another_subject_stage_or_time_invalidates_the_signature(key: Ed25519PrivateKey, command: Signed) -> None:
    message = _signed(key, command)
    stage = command.stage(message)
    with pytest.raises(SignatureRefused, match="made for"):
        check_signed(_ledger(SUBJECT + "-other"), message, stage=stage, pass_id=PASS, official=SIGNER, now=NOW)
    with pytest.raises(SignatureRefused, match="made for stage"):
        check_signed(_ledger(), message, stage=stage + "-other", pass_id=PASS, official=SIGNER, now=NOW)
    signature = message.signature
    assert signature is not None
    # the signature re-addressed to another subject or stage still covers the old content
    for claim in ({"case_id": SUBJECT + "-other"}, {"stage": stage + "-other"}):
        readdressed = signature.model_copy(update=claim)
        with pytest.raises(SignatureRefused, match="does not match"):
            check_signed(_ledger(readdressed.case_id), message.model_copy(update={"signature": readdressed}),
                         stage=readdressed.stage, pass_id=PASS, official=SIGNER, now=NOW)
    later = message.model_copy(update={"signature": signature.model_copy(update={"signed_at": NOW.replace(minute=1)})})
    with pytest.raises(SignatureRefused, match="does not match"):
        check_signed(_ledger(), later, stage=stage, pass_id=PASS, official=SIGNER, now=NOW)
