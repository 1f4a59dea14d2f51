"""The whole state of one exit case, as the workflow holds it and `tuopin show` prints it."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.anchors import DossierAnchor
from domain.criteria.report import CriteriaReport
from domain.messages import Awaiting
from domain.notice_calendar import NoticeRule
from domain.notice_content import NoticeParticulars
from domain.officials import Roster
from domain.progress import CaseProgress
from domain.signing import Signature
from domain.simulation import Simulation
from domain.units import UnitPath

__all__ = [  # CaseProgress is defined apart (domain.progress): a client polls it without this module
    "Announcement", "CaseProgress", "CaseResume", "CaseState", "CaseStatus", "DecisionRecord", "NoticeScope",
    "NoticeWindow", "Objection", "RefusedAttempt", "Reminder",
]

CaseStatus = Literal["open", "exited", "enrolled", "rejected"]  # enrolled: an enrolment (domain/enrollment.py)


class DecisionRecord(BaseModel):
    seq: int
    stage: str
    stage_pass: int  # 1 the first time the stage runs, 2 after a return to it, ...
    slot: str | None
    # refuse: the household does not accept; posted: a notice's posting recorded (domain/notice_posting.py)
    outcome: Literal["approve", "return", "reject", "consent", "refuse", "posted"]
    official_id: str
    person_id: str
    name: str
    role: str
    jurisdiction_id: str
    at: datetime
    meeting_ref: str | None = None
    note: str | None = None
    to_stage: str | None = None
    record: dict[str, Any] | None = None
    signature: Signature | None = None
    superseded: bool = False  # a later return sent the case back before this stage
    # a decision made by a list signature (名单, domain/name_lists.py): the list id, the members and
    # exceptions it signed, and its note; the signature then names the list, not this case
    signed_list: dict[str, Any] | None = None


class Objection(BaseModel):
    objection_id: str
    window_no: int
    name: str
    reason: str
    contact_ref: str  # the contact itself is kept in the registry, never in the case
    lodged_at: datetime
    status: Literal["open", "upheld", "dismissed"] = "open"
    resolved_by: str | None = None
    resolver_role: str | None = None
    resolver_person_id: str | None = None
    resolver_jurisdiction_id: str | None = None
    resolved_at: datetime | None = None
    finding: str | None = None
    resolution_signature: Signature | None = None


class NoticeScope(BaseModel):
    model_config = ConfigDict(frozen=True)

    level: str
    jurisdiction_id: str


class NoticeWindow(BaseModel):
    window_no: int
    stage: str
    opened_at: datetime
    closes_at: datetime
    scopes: list[NoticeScope]
    closed_at: datetime | None = None
    outcome: Literal["passed", "objected", "withdrawn"] | None = None


class Announcement(BaseModel):
    level: str
    jurisdiction_id: str
    at: datetime
    kind: Literal["announcement", "filing"] = "announcement"


class Reminder(BaseModel):
    """A reminder (or an escalation to the level above) sent about a case that waited too long."""

    at: datetime
    kind: Literal["reminder", "escalation"]
    recipient: str  # role@jurisdiction
    stage: str
    waiting_since: datetime


class RefusedAttempt(BaseModel):
    """A signed message the case refused: who tried what, and why. It changed nothing else."""

    at: datetime
    kind: str
    stage: str
    outcome: str
    official_id: str
    key_id: str | None
    reason: str


class CaseState(BaseModel):
    case_id: str
    exit_type: str
    unit_id: str
    year: int
    designation: str | None = None  # a village case: poor (贫困村) or hollow (空壳村)
    status: CaseStatus = "open"
    ready: bool = False  # False while the case loads its frozen data and first record
    stage: str
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None = None
    outcome_reason: str | None = None
    unit_path: UnitPath | None = None
    facts: dict[str, Any] = Field(default_factory=dict)  # frozen at opening (实事求是)
    criteria: CriteriaReport | None = None
    notice_rule: NoticeRule | None = None
    simulation: Simulation | None = None  # a load-test case: its notice may be shorter than 7 days
    stage_pass: dict[str, int] = Field(default_factory=dict)
    pass_id: str | None = None  # the current pass of the current stage: what a signature binds
    trust_root: str | None = None  # the administrator's root the worker pins, taken at opening
    revoked_keys: dict[str, datetime] = Field(default_factory=dict)  # key id -> revoked at, from signed revocations
    filled: dict[str, int] = Field(default_factory=dict)  # slot key -> decision seq, current pass
    meeting_refs: dict[str, str] = Field(default_factory=dict)  # "phase index" -> meeting ref
    pending_return: str | None = None
    decisions: list[DecisionRecord] = Field(default_factory=list)
    notices: list[NoticeWindow] = Field(default_factory=list)
    objections: list[Objection] = Field(default_factory=list)
    announcements: list[Announcement] = Field(default_factory=list)
    # the notice of the current notice stage's pass: issued when (its pass), with the registry's particulars
    notice_issued_at: datetime | None = None
    notice_issued_pass: str | None = None
    notice_particulars: NoticeParticulars | None = None
    registry_change: dict[str, Any] | None = None
    awaiting: list[Awaiting] = Field(default_factory=list)
    awaiting_since: datetime | None = None
    reminders: list[Reminder] = Field(default_factory=list)
    refused_attempts: list[RefusedAttempt] = Field(default_factory=list)
    used_signatures: list[str] = Field(default_factory=list)  # sha256 of the bytes of each accepted signature
    # the service's signatures over the order of the dossier's entries so far (domain/anchors.py)
    anchors: list[DossierAnchor] = Field(default_factory=list)
    # One digest per objector (normalized name and contact) and notice stage pass, so one objector
    # gets at most one new window per notice. Kept in the workflow only: excluded from every dump
    # (queries, the dossier), being derived from a contact.
    objector_digests: list[str] = Field(default_factory=list, exclude=True)

    @property
    def subject_id(self) -> str:
        """What the case's signatures are bound to (domain.signature_rules.SignatureLedger): the case id."""
        return self.case_id

    def current_notice(self) -> NoticeWindow | None:
        if self.notices and self.notices[-1].closed_at is None:
            return self.notices[-1]
        return None

    def open_objections(self) -> list[Objection]:
        return [o for o in self.objections if o.status == "open"]

    def next_seq(self) -> int:
        return len(self.decisions) + 1


class CaseResume(BaseModel):
    """What a case carries into its next run when it continues as new: its whole state and the
    officials its current stage read (a history near Temporal's limits starts afresh, the case not)."""

    case: CaseState
    roster: Roster
    roster_digest: str | None = None
    objector_digests: list[str] = Field(default_factory=list)  # (left out of the case's own dumps)
    runs: int = 1  # how many runs the case had before this one
