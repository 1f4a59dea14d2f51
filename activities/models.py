"""Inputs and results of the activities (one model each, so fields can be added compatibly)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from domain.notice_content import NoticeParticulars
from domain.officials import Roster
from domain.policy import PolicyConfig
from domain.certificates import KeyRevocation
from domain.units import UnitPath


class LoadCaseInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    exit_type: str
    unit_id: str
    year: int
    designation: str | None = None  # a village: poor (贫困村) or hollow (空壳村)


class CaseData(BaseModel):
    """What a case freezes when it opens: the unit's facts, where it sits, and the policy in force."""

    model_config = ConfigDict(frozen=True)

    facts: dict[str, Any]
    unit_path: UnitPath
    policy: PolicyConfig
    signers: "Signers"  # the first stage's officials and their keys, read in the same visit
    simulation_worker: bool = False  # the worker that read it was started with --simulation


class RosterInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    jurisdiction_ids: list[str]
    known: str | None = None  # the digest of the signers the case already holds


class Signers(BaseModel):
    """A stage's roster with the revocations of its officials' keys, and the administrator's root the
    worker pins. A signed message carries its key's certificate, so the case needs no key from the
    registry; a key revoked mid-stage reaches the case as a `key_revoked` update."""

    model_config = ConfigDict(frozen=True)

    roster: Roster
    revocations: list[KeyRevocation] = []
    trust_root: str
    digest: str = ""
    # nothing changed since the case last read them (digest == known): roster and keys are left out,
    # so a case's history holds its officials once, not once a stage
    unchanged: bool = False


class PostNoticeInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    window_no: int
    scope_level: str
    jurisdiction_id: str
    opened_at: datetime
    closes_at: datetime
    body: str
    # the officials of the stage this posting begins, read in the same registry visit
    signers: RosterInput | None = None


class CloseNoticeInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    window_no: int
    closed_at: datetime
    outcome: str
    # the officials of the stage that follows a passed notice, read in the same registry visit
    next_signers: RosterInput | None = None


class AnnounceInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    kind: str  # announcement (公告) / filing (备案)
    scope_level: str
    jurisdiction_id: str
    at: datetime
    body: str


class MarkExitedInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    unit_type: str
    unit_id: str
    case_id: str
    year: int
    at: datetime


class RecordExitInput(BaseModel):
    """The announcements of an exit and its registry change, written together."""

    model_config = ConfigDict(frozen=True)

    announcements: list[AnnounceInput]
    exit: MarkExitedInput


class RecordEnrollmentInput(BaseModel):
    """An enrolment's registry change (新增 / 返贫), on the authority of the case that decided it."""

    model_config = ConfigDict(frozen=True)

    household_id: str
    case_id: str
    reason: str  # newly-poor / returned, as the case's opening recorded it
    year: int
    at: datetime


class StatusChangeResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    unit_type: str
    unit_id: str
    from_status: str
    to_status: str
    at: datetime


CaseData.model_rebuild()


class ObjectionContactInput(BaseModel):
    """An objector's contact to keep in the registry, for the case that received the objection."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    contact: str
    at: datetime

    def __repr__(self) -> str:  # personal data: never in a log line or a traceback
        return f"ObjectionContactInput(case_id={self.case_id!r}, contact=<private>, at={self.at!r})"

    __str__ = __repr__


class IssueNoticeInput(BaseModel):
    """A notice to issue: what the registry adds to it (particulars, 监督电话) is read for this unit."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    exit_type: str
    unit_id: str
    unit_path: UnitPath
    income_years: list[int] = []  # the years whose poverty line the notice shows (households)
    signers: RosterInput | None = None  # the officials of the stage this notice begins


class NoticeIssued(BaseModel):
    model_config = ConfigDict(frozen=True)

    particulars: NoticeParticulars
    signers: Signers | None = None
