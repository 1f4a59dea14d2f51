"""What officials and villagers send to a case (Temporal update inputs) and what they get back."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.officials import Official
from domain.signing import SignedMessage, SignedTerms
from domain.simulation import Simulation
from domain.text import Name, Ref, Text

Id = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")]

Outcome = Literal["approve", "return", "reject"]


class DecisionCommand(SignedMessage):
    """A decision at a stage: its outcome, meeting, note, return target and record are signed."""

    signed_kind = "decision"

    stage: Id
    outcome: Outcome
    official_id: Id
    meeting_ref: Ref | None = None
    note: Text | None = None
    to_stage: Id | None = None
    record: dict[str, Any] | None = None

    def signed_terms(self) -> SignedTerms:
        return SignedTerms(outcome=self.outcome, meeting_ref=self.meeting_ref, note=self.note, to_stage=self.to_stage,
                           evidence=self.record)

    @model_validator(mode="after")
    def _reasons(self) -> "DecisionCommand":
        if self.outcome in ("return", "reject") and not self.note:
            raise ValueError(f"a {self.outcome} needs a reason (note)")
        if self.outcome == "return" and not self.to_stage:
            raise ValueError("a return must name the stage it returns to (to_stage)")
        if self.outcome != "return" and self.to_stage:
            raise ValueError("to_stage goes only with a return")
        return self


class ConsentCommand(SignedMessage):
    """The household's answer, signed for the stage the case is at: it acknowledges its exit, or
    (`refuse`) it does not (不认可), with its reason in the note."""

    signed_kind = "consent"

    official_id: Id
    note: Text | None = None
    refuse: bool = False

    def signed_terms(self) -> SignedTerms:
        return SignedTerms(outcome="refuse" if self.refuse else "consent", note=self.note)

    @model_validator(mode="after")
    def _refusal_reason(self) -> "ConsentCommand":
        if self.refuse and not (self.note or "").strip():
            raise ValueError("a household that does not accept its exit gives its reason (note)")
        return self


class ObjectionCommand(BaseModel):
    """An objection (异议): who objects, how to reach them, and why. The case stores the contact in the
    registry under a random reference (through its worker) and keeps only the reference."""

    # hide_input_in_errors: a message that does not decode is refused with pydantic's error, which the
    # SDK logs (and returns); by default that error quotes the input: the objector's phone and name
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    name: Name
    reason: Text
    contact: Ref

    def __repr__(self) -> str:  # the contact is personal data: never in a log line or a traceback
        return f"ObjectionCommand(name={self.name!r}, reason={self.reason!r}, contact=<private>)"

    __str__ = __repr__


class ResolutionCommand(SignedMessage):
    """An objection resolved: the objection, the outcome and the finding (signed as the note)."""

    signed_kind = "resolution"

    objection_id: Id
    outcome: Literal["uphold", "dismiss"]
    official_id: Id
    finding: Text

    def signed_terms(self) -> SignedTerms:
        return SignedTerms(outcome=self.outcome, note=self.finding, objection_id=self.objection_id)


class CaseAck(BaseModel):
    """What an accepted update returns: where the case stands now."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    stage: str
    status: str
    seq: int | None = None
    objection_id: str | None = None


class Awaiting(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: str
    jurisdiction: str

    def key(self) -> str:
        return f"{self.role}@{self.jurisdiction}"


def signer_fields(official: Official) -> dict[str, str]:
    return {
        "official_id": official.official_id,
        "person_id": official.person_id,
        "name": official.name,
        "role": official.role.value,
        "jurisdiction_id": official.jurisdiction_id,
    }


class OpenCaseInput(BaseModel):
    """Starts a case: the unit, the year, and the first stage's own record (its first signature)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exit_type: Literal["household", "village", "township", "county", "enrollment"]  # enrollment: 新增 / 返贫
    unit_id: Id
    year: Annotated[int, Field(ge=2014, le=2100)]
    first_decision: DecisionCommand
    designation: Literal["poor", "hollow"] | None = None  # villages only: 贫困村 or 空壳村
    simulation: Simulation | None = None  # load tests only; refused by production workers
    # the state a case carries into its next run when it continues as new (a CaseResume's JSON); a
    # case accepts it only in a run that continues another (workflows/exit_case.py)
    resume: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "OpenCaseInput":
        if self.first_decision.outcome != "approve":
            raise ValueError("a case opens with the first stage's approval")
        if (self.exit_type == "village") != (self.designation is not None):
            raise ValueError("a village case names its designation (poor or hollow); other cases do not")
        return self

    @property
    def registry_unit_type(self) -> str:
        return f"village_{self.designation}" if self.exit_type == "village" else self.exit_type


class CaseOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    status: str
    reason: str | None = None


class ReminderCommand(BaseModel):
    """Sent by the reminder workflow: what was sent to whom about this case."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["reminder", "escalation"]
    recipient: Id
    stage: Id
    waiting_since: datetime


class PostingCommand(SignedMessage):
    """公示 posted: the official of the place records when and where the notice was physically put up
    (`tuopin notice posted`); the notice's 7 days run from then. Signed for the notice stage's pass."""

    signed_kind = "posting"

    official_id: Id
    posted_at: datetime
    place: Annotated[str, Field(min_length=1, max_length=200)]

    def signed_terms(self) -> SignedTerms:
        return SignedTerms(outcome="posted", note=self.place, evidence={"posted_at": self.posted_at.isoformat()})

    @model_validator(mode="after")
    def _checked(self) -> "PostingCommand":
        if not self.place.strip():
            raise ValueError("the place of posting cannot be blank")
        if self.posted_at.tzinfo is None:
            raise ValueError("the posting time must carry its time zone (e.g. 2017-05-02T09:00+08:00)")
        return self
