"""What a list's workflow holds and shows (名单, docs/lists.md): its members' last known state and
the list decisions it relayed. The list's stage and status are derived from its members."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.name_lists import MAX_MEMBERS
from domain.procedures import PROCEDURES


class OpenListInput(BaseModel):
    """Starts a list: its unit (a village for households), year and member cases, already opened."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exit_type: str
    unit_id: Annotated[str, Field(min_length=1, max_length=120)]
    designation: str | None = None  # a village list's: poor (贫困村) or hollow (空壳村), one per list
    year: Annotated[int, Field(ge=2014, le=2100)]
    members: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=MAX_MEMBERS)]
    opened_by: Annotated[str, Field(min_length=1, max_length=120)]
    # The members' units, in the order of ``members``: the list checks every one against the registry
    # (and that none has a case already) before any is opened, and answers `checked` (docs/lists.md).
    units: list[str] | None = None
    # --planned: the list chooses its members itself, the unit's units planned for the year that meet
    # the criteria (``members`` and ``units`` are empty then).
    planned: bool = False
    carried: dict[str, Any] | None = None  # a ListState's JSON, when the list continues as new

    @model_validator(mode="after")
    def _known(self) -> "OpenListInput":
        if self.exit_type not in PROCEDURES:
            raise ValueError(f"no {self.exit_type!r} exits")
        if len(set(self.members)) != len(self.members):
            raise ValueError("a list names each member once")
        if not self.members and not self.planned:
            raise ValueError("a list names at least one member")
        if self.planned and (self.members or self.units):
            raise ValueError("a planned list chooses its members itself")
        if self.units is not None and len(self.units) != len(self.members):
            raise ValueError("a list names one unit per member")
        return self


class MemberView(BaseModel):
    """A member as the list last saw it (its own case is the authority: `tuopin show CASE`). Its
    status is ``not_opened`` when its case could not be opened after the list's check passed (a
    race the check cannot exclude: docs/lists.md)."""

    case_id: str
    stage: str
    status: str = "open"
    pass_id: str | None = None


class RelayedDecision(BaseModel):
    """A list decision (or the list's notice posting) the list relayed: who signed at which stage, and
    what each member answered."""

    kind: str = "decision"  # or "posting": the list's one notice posted
    at: datetime
    stage: str
    official_id: str
    key_id: str | None
    members: int
    excepted: dict[str, str] = Field(default_factory=dict)  # case id -> return / reject
    accepted: list[str] = Field(default_factory=list)
    refused: dict[str, str] = Field(default_factory=dict)  # case id -> the member's reason


class ListState(BaseModel):
    list_id: str
    exit_type: str
    unit_id: str
    year: int
    planned: bool = False
    opened_by: str
    opened_at: datetime
    members: list[MemberView]
    decisions: list[RelayedDecision] = Field(default_factory=list)
    relayed_signatures: list[str] = Field(default_factory=list)  # digests: a decision is relayed once
    closed_at: datetime | None = None

    def member(self, case_id: str) -> MemberView | None:
        return next((m for m in self.members if m.case_id == case_id), None)

    def open_members(self) -> list[MemberView]:
        return [m for m in self.members if m.status == "open"]

    @property
    def status(self) -> str:
        """open while any member is; closed once every member exited or was rejected."""
        return "open" if self.open_members() else "closed"

    @property
    def stage(self) -> str:
        """The earliest stage an open member is at (the list moves as its slowest member); once all
        are closed, the furthest any member reached."""
        if not self.members:  # a planned list before it chose its members
            return ""
        order = PROCEDURES[self.exit_type].stage_ids()
        rank = lambda m: order.index(m.stage) if m.stage in order else 0  # noqa: E731
        pool = self.open_members() or self.members
        pick = min if self.open_members() else max
        return pick(pool, key=rank).stage


class ListDecisionResult(BaseModel):
    """What the list answers a list decision: each member's answer."""

    model_config = ConfigDict(frozen=True)

    list_id: str
    stage: str
    accepted: list[str]
    refused: dict[str, str]
