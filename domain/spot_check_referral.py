"""What follows an adverse spot-check finding (清委办〔2017〕25号 四.4): 对不符合条件或未完整履行退出程序的，
要责成相关地方进行核查处理.

A finding is no verdict on its own. An adverse one (``false_exit``: 不符合条件, the criteria were not
met; ``incomplete``: 未完整履行退出程序, a step of the procedure was left undone) refers the unit to its
township (相关地方), which investigates and reports (核查); the county then decides (处理):

* **Township report** (``report``): one report, signed by both the township party secretary and the
  township head, citing the meeting of the township's party and government (四.3: 乡镇要召开党政班子成员
  会议…集体研究，并由党政主要领导签字确认). Its conclusion is ``false_exit`` (criteria not met) or
  ``incomplete`` (naming the steps left undone, by their stage ids). The second signer co-signs the same
  report: a different conclusion, text, meeting or steps is refused.
* **County decision** (``decide``): the county party committee and government decide collectively
  (a meeting reference), signed by the county party secretary and the county head, on the same
  decision and meeting: ``reverse`` (the exit is undone in the registry: back to poor, the unit
  flagged 虚假脱贫) or ``redo`` (the steps named are to be done again; the exit stands meanwhile,
  recorded with the order — docs/policy-trace.md says why).

Pure and deterministic (safe inside the check's workflow).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.officials import Official, Roster
from domain.procedures import PROCEDURES
from domain.refusals import AlreadySigned, MeetingRequired, Refusal, SamePerson, UnknownOfficial, WrongRole
from domain.roles import Role
from domain.signing import Signature, SignedMessage, SignedTerms
from domain.text import Text

REPORT_STAGE = "report"
DECISION_STAGE = "decision"
Adverse = Literal["false_exit", "incomplete"]
Ruling = Literal["reverse", "redo"]
ADVERSE: tuple[str, ...] = ("false_exit", "incomplete")
TOWNSHIP_SIGNERS = (Role.township_secretary, Role.township_head)
COUNTY_SIGNERS = (Role.county_secretary, Role.county_head)
Id = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")]
Ref = Annotated[str, Field(min_length=1, max_length=200)]
UnitType = Literal["household", "village_poor", "village_hollow", "township"]
# The exit procedure whose stages a unit's exit walked (a redo names some of them).
_PROCEDURE_OF = {"household": "household", "village_poor": "village", "village_hollow": "village", "township": "township"}


class ReferralRefused(Refusal):
    """A report or a decision that does not fit the referral (no referral, wrong turn, different terms)."""


def exit_steps(unit_type: str) -> list[str]:
    """The stage ids of the exit procedure a unit of this type walked."""
    return PROCEDURES[_PROCEDURE_OF[unit_type]].stage_ids()


def check_steps(unit_type: str, steps: tuple[str, ...], needed: bool, what: str) -> None:
    known = exit_steps(unit_type)
    if needed and not steps:
        raise ReferralRefused(f"{what} names the steps left undone (--steps, of: {', '.join(known)})")
    if not needed and steps:
        raise ReferralRefused(f"{what} names no steps to redo (steps go with an incomplete procedure / a redo)")
    unknown = [s for s in steps if s not in known]
    if unknown:
        raise ReferralRefused(f"{', '.join(unknown)} is not a step of a {_PROCEDURE_OF[unit_type]} exit ({', '.join(known)})")
    if len(set(steps)) != len(steps):
        raise ReferralRefused("a step is named twice")


class ReportCommand(SignedMessage):
    """`tuopin spotcheck report CHECK UNIT false-exit|incomplete --as TOWNSHIP_OFFICIAL --meeting REF
    --finding T [--steps S,...]`: signed over the unit, the conclusion, the finding, the meeting, the steps."""

    signed_kind = "spotcheck_report"

    unit_id: Id
    unit_type: UnitType | None = None
    conclusion: Adverse
    official_id: Id
    meeting_ref: Ref
    finding: Text
    steps: tuple[Id, ...] = ()

    def signed_terms(self) -> SignedTerms:
        return SignedTerms(outcome=self.conclusion, note=self.finding, meeting_ref=self.meeting_ref,
                           evidence={"unit_type": self.unit_type, "unit_id": self.unit_id, "steps": list(self.steps)})

    def terms(self) -> tuple[Any, ...]:
        return (self.conclusion, self.finding, self.meeting_ref, self.steps)


class DecisionOnReferral(SignedMessage):
    """`tuopin spotcheck decide CHECK UNIT reverse|redo --as COUNTY_OFFICIAL --meeting REF --note T
    [--steps S,...]`: signed over the unit, the decision, the meeting, the note and the steps."""

    signed_kind = "spotcheck_decision"

    unit_id: Id
    unit_type: UnitType | None = None
    ruling: Ruling
    official_id: Id
    meeting_ref: Ref
    note: Text
    steps: tuple[Id, ...] = ()

    @model_validator(mode="after")
    def _steps_fit(self) -> "DecisionOnReferral":
        if (self.ruling == "redo") != bool(self.steps):
            raise ValueError("a redo names the steps to do again (steps); a reversal names none")
        return self

    def signed_terms(self) -> SignedTerms:
        return SignedTerms(outcome=self.ruling, note=self.note, meeting_ref=self.meeting_ref,
                           evidence={"unit_type": self.unit_type, "unit_id": self.unit_id, "steps": list(self.steps)})

    def terms(self) -> tuple[Any, ...]:
        return (self.ruling, self.meeting_ref, self.steps)


class ReferralSignature(BaseModel):
    official_id: str
    person_id: str
    name: str
    role: str
    at: datetime
    note: str | None = None
    signature: Signature | None = None


class Referral(BaseModel):
    """责成相关地方进行核查处理: the township's report and the county's decision on one adverse finding."""

    township_id: str
    finding: Adverse
    referred_at: datetime
    status: Literal["referred", "reported", "decided"] = "referred"
    conclusion: Adverse | None = None
    report_text: str | None = None
    report_meeting_ref: str | None = None
    missing_steps: list[str] = Field(default_factory=list)
    report_signers: list[ReferralSignature] = Field(default_factory=list)
    ruling: Ruling | None = None
    decision_meeting_ref: str | None = None
    redo_steps: list[str] = Field(default_factory=list)
    decision_signers: list[ReferralSignature] = Field(default_factory=list)
    decided_at: datetime | None = None
    registry_change: dict[str, Any] | None = None

    def awaited_roles(self) -> list[Role]:
        """Who the referral waits for now."""
        if self.status == "referred":
            signed = {s.role for s in self.report_signers}
            return [r for r in TOWNSHIP_SIGNERS if r.value not in signed]
        if self.status == "reported":
            signed = {s.role for s in self.decision_signers}
            return [r for r in COUNTY_SIGNERS if r.value not in signed]
        return []


def refer(township_id: str | None, verdict: str, now: datetime) -> Referral | None:
    """The referral an adverse finding opens (None for a confirmed exit)."""
    if verdict not in ADVERSE:
        return None
    if not township_id:
        raise ReferralRefused("the unit's township is not known: the finding cannot be referred to it")
    return Referral(township_id=township_id, finding=verdict, referred_at=now)  # type: ignore[arg-type]


def _signer(roster: Roster, official_id: str, jurisdiction_id: str, roles: tuple[Role, ...], what: str) -> Official:
    official = roster.find(official_id)
    if official is None or official.jurisdiction_id != jurisdiction_id:
        raise UnknownOfficial(f"{official_id} holds no post in {jurisdiction_id}; {what}")
    if official.role not in roles:
        names = " and ".join(r.value for r in roles)
        raise WrongRole(f"{official.official_id} acts as {official.role.value}; {what} is signed by the {names} of {jurisdiction_id}")
    return official


def _second_signer(signers: list[ReferralSignature], official: Official) -> None:
    if any(s.role == official.role.value for s in signers):
        raise AlreadySigned(f"the {official.role.value} has signed this already")
    if any(s.person_id == official.person_id for s in signers):
        raise SamePerson(f"{official.name} ({official.person_id}) signed this already in another post; "
                         "the two signatures come from two different people")


def check_report(referral: Referral | None, roster: Roster, cmd: ReportCommand, unit_type: str) -> Official:
    """The township's report (核查): its secretary and head sign one report, citing their meeting."""
    if referral is None:
        raise ReferralRefused(f"{cmd.unit_id} was not referred to its township (no adverse finding on it)")
    if referral.status != "referred":
        raise ReferralRefused(f"the township's report on {cmd.unit_id} is in already ({referral.status})")
    if not cmd.meeting_ref.strip():
        raise MeetingRequired("the report cites the meeting of the township's party committee and government")
    official = _signer(roster, cmd.official_id, referral.township_id, TOWNSHIP_SIGNERS, "the township's report (核查)")
    _second_signer(referral.report_signers, official)
    check_steps(unit_type, cmd.steps, cmd.conclusion == "incomplete", "an incomplete procedure's report")
    if referral.report_signers and cmd.terms() != (referral.conclusion, referral.report_text,
                                                   referral.report_meeting_ref, tuple(referral.missing_steps)):
        first = referral.report_signers[0]
        raise ReferralRefused(f"{first.official_id} signed a report with another conclusion, finding, meeting or steps; "
                              "the second signature co-signs that same report")
    return official


def apply_report(referral: Referral, official: Official, cmd: ReportCommand, now: datetime) -> None:
    if not referral.report_signers:
        referral.conclusion, referral.report_text = cmd.conclusion, cmd.finding
        referral.report_meeting_ref, referral.missing_steps = cmd.meeting_ref, list(cmd.steps)
    referral.report_signers.append(_signature(official, now, None, cmd.signature))
    if not referral.awaited_roles():
        referral.status = "reported"


def check_decision(referral: Referral | None, roster: Roster, cmd: DecisionOnReferral, unit_type: str,
                   county_id: str) -> Official:
    """The county's decision (处理): collective (a meeting), its party secretary and county head both sign."""
    if referral is None:
        raise ReferralRefused(f"{cmd.unit_id} was not referred (no adverse finding on it): there is nothing to decide")
    if referral.status == "referred":
        raise ReferralRefused(f"the township of {cmd.unit_id} has not reported yet; the county decides on its report")
    if referral.status == "decided":
        raise ReferralRefused(f"the county has decided on {cmd.unit_id} already ({referral.ruling})")
    if not cmd.meeting_ref.strip():
        raise MeetingRequired("the decision cites the collective meeting of the county party committee and government")
    official = _signer(roster, cmd.official_id, county_id, COUNTY_SIGNERS, "the county's decision (处理)")
    _second_signer(referral.decision_signers, official)
    check_steps(unit_type, cmd.steps, cmd.ruling == "redo", "a redo")
    if referral.decision_signers and cmd.terms() != (referral.ruling, referral.decision_meeting_ref,
                                                     tuple(referral.redo_steps)):
        first = referral.decision_signers[0]
        raise ReferralRefused(f"{first.official_id} signed another decision, meeting or steps; "
                              "the second signature co-signs that same decision")
    return official


def record_decision_signature(referral: Referral, official: Official, cmd: DecisionOnReferral, now: datetime) -> bool:
    """Records one signature of the decision; True when both are in (the registry is written next)."""
    if not referral.decision_signers:
        referral.ruling, referral.decision_meeting_ref, referral.redo_steps = cmd.ruling, cmd.meeting_ref, list(cmd.steps)
    referral.decision_signers.append(_signature(official, now, cmd.note, cmd.signature))
    return not referral.awaited_roles()


def _signature(official: Official, now: datetime, note: str | None, signature: Signature | None) -> ReferralSignature:
    return ReferralSignature(official_id=official.official_id, person_id=official.person_id, name=official.name,
                             role=official.role.value, at=now, note=note, signature=signature)


class ReferralAck(BaseModel):
    model_config = ConfigDict(frozen=True)

    check_id: str
    unit_type: str
    unit_id: str
    status: str  # the referral's
    awaiting: list[str] = Field(default_factory=list)  # role@jurisdiction still to sign
    registry_change: dict[str, Any] | None = None
