"""名单: a list of units an official signs once (docs/lists.md). Pure rules only.

A list signature is an ordinary Ed25519 signature (domain/signing.py) whose subject is the list, not
one case: its ``case_id`` names the list id, its ``stage`` the stage signed, and its ``pass_id`` the
digest of the member set, each member with the stage and the pass it is in (``members_digest``). The
signed terms carry the member list and the members taken out of the signature (``--except``), through
their digest. Whoever checks it rebuilds that content from the message: a member added, dropped or
swapped, or a member in another state, no longer verifies. A member case accepts the signature only
for itself, in the stage and pass the signed list names for it (``member_decision``).
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.canonical import canonical
from domain.messages import DecisionCommand, Id, Ref, Text
from domain.refusals import Refusal
from domain.signing import SignedMessage, SignedTerms

# A list is a village's (or a township's) households for one year: a few dozen in Qingliu, a few
# hundred at most anywhere; the bound keeps one signed message well inside Temporal's payload limit.
MAX_MEMBERS = 500
# 贫困户退出名单 (a village's households) and 拟退出村名单 (a township's villages, one designation).
LIST_PREFIX = {"household": "household-list", "village": "village-list"}
_LIST_ID = re.compile(r"^(household|village)-list/[A-Za-z0-9][A-Za-z0-9._:@-]*/\d{4}/[0-9a-f]{12}$")


class NotOnList(Refusal):
    """The list decision does not name this case, or names it in another state."""


class ListMember(BaseModel):
    """A member as the signer saw it: its case, the stage it is at and the pass of that stage."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: Annotated[str, Field(min_length=1, max_length=200)]
    stage: Id
    pass_id: Annotated[str, Field(min_length=1, max_length=64)]


class MemberException(BaseModel):
    """A member the signer takes out of the list's approval: returned (to ``to_stage``) or rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: Annotated[str, Field(min_length=1, max_length=200)]
    outcome: Literal["return", "reject"]
    reason: Text
    to_stage: Id | None = None

    @model_validator(mode="after")
    def _target(self) -> "MemberException":
        if not self.reason.strip():
            raise ValueError(f"the {self.outcome} of {self.case_id} needs a reason")
        if (self.outcome == "return") != (self.to_stage is not None):
            raise ValueError("a return names the stage it returns to; a rejection does not")
        return self


class ListDecisionCommand(SignedMessage):
    """An official's one signature over a list at a stage: every member approved, but the exceptions."""

    signed_kind = "list_decision"

    list_id: Annotated[str, Field(min_length=1, max_length=200)]
    stage: Id
    official_id: Id
    meeting_ref: Ref | None = None
    note: Text | None = None
    members: Annotated[list[ListMember], Field(min_length=1, max_length=MAX_MEMBERS)]
    exceptions: Annotated[list[MemberException], Field(max_length=MAX_MEMBERS)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> "ListDecisionCommand":
        ids = [m.case_id for m in self.members]
        if len(set(ids)) != len(ids):
            raise ValueError("a list names each member once")
        if any(m.stage != self.stage for m in self.members):
            raise ValueError(f"every member of a list decision at {self.stage!r} is at that stage")
        excepted = [e.case_id for e in self.exceptions]
        if len(set(excepted)) != len(excepted):
            raise ValueError("a member is excepted once")
        strangers = sorted(set(excepted) - set(ids))
        if strangers:
            raise ValueError(f"excepted but not on the list: {', '.join(strangers)}")
        return self

    def signed_terms(self) -> SignedTerms:
        return SignedTerms(outcome="list", meeting_ref=self.meeting_ref, note=self.note, evidence=self.covered())

    def covered(self) -> dict:
        """What the signature covers besides the signer, stage, time and meeting: the list and its members."""
        return {
            "list_id": self.list_id,
            "members": [m.model_dump(mode="json") for m in self.members],
            "exceptions": [e.model_dump(mode="json") for e in self.exceptions],
        }

    def pass_binding(self) -> str:
        """What the signature's ``pass_id`` names: the member set with each member's state."""
        return members_digest(self.list_id, self.stage, self.members)


def members_digest(list_id: str, stage: str, members: list[ListMember]) -> str:
    """SHA-256 (hex, 64 characters: a pass id's length) of the list id, the stage and the members in
    the order signed, each with its stage and pass."""
    body = {"list_id": list_id, "stage": stage, "members": [m.model_dump(mode="json") for m in members]}
    return hashlib.sha256(canonical(body)).hexdigest()


def member_decision(cmd: ListDecisionCommand, case_id: str, stage: str, pass_id: str) -> DecisionCommand:
    """The decision the list signature makes for this case, if the signed list names the case in the
    stage and pass it is in now; else NotOnList. The decision carries the list's signature."""
    if cmd.stage != stage:
        raise NotOnList(f"the list decision is for stage {cmd.stage!r}; case {case_id} is at {stage!r}")
    mine = next((m for m in cmd.members if m.case_id == case_id), None)
    if mine is None:
        raise NotOnList(f"case {case_id} is not on the signed list {cmd.list_id}")
    if mine.pass_id != pass_id:
        raise NotOnList(
            f"the list {cmd.list_id} was signed while case {case_id} was in pass {mine.pass_id!r} of {stage!r}; "
            f"it is now in pass {pass_id!r}: sign the list again"
        )
    excepted = next((e for e in cmd.exceptions if e.case_id == case_id), None)
    if excepted is None:
        return DecisionCommand.model_construct(
            stage=stage, outcome="approve", official_id=cmd.official_id, meeting_ref=cmd.meeting_ref, note=cmd.note,
            to_stage=None, record=None, signature=cmd.signature,
        )
    return DecisionCommand.model_construct(
        stage=stage, outcome=excepted.outcome, official_id=cmd.official_id, meeting_ref=cmd.meeting_ref,
        note=excepted.reason, to_stage=excepted.to_stage, record=None, signature=cmd.signature,
    )


def list_id_for(exit_type: str, unit_id: str, year: int, member_case_ids: list[str]) -> str:
    """One id per unit, year and member set: the same list cannot be opened twice."""
    tag = hashlib.sha256("\n".join(sorted(member_case_ids)).encode()).hexdigest()[:12]
    return f"{LIST_PREFIX[exit_type]}/{unit_id}/{year}/{tag}"


def planned_list_id(exit_type: str, unit_id: str, year: int) -> str:
    """The one planned list (--planned) of a unit and year: its members are chosen when it opens, so
    its tag is a digest of what it is, not of them."""
    tag = hashlib.sha256(f"planned\n{unit_id}\n{year}".encode()).hexdigest()[:12]
    return f"{LIST_PREFIX[exit_type]}/{unit_id}/{year}/{tag}"


def is_list_id(value: str) -> bool:
    return bool(_LIST_ID.match(value))


def list_exit_type(list_id: str) -> str:
    """The exit type of a list's members, from its id."""
    prefix = list_id.split("/", 1)[0]
    return next(kind for kind, p in LIST_PREFIX.items() if p == prefix)


_EXCEPT = re.compile(r"^(?P<case>[^=]+)=(?P<outcome>return|reject)(?:@(?P<to>[a-z_]+))?:(?P<reason>.+)$", re.S)


def parse_exception(text: str, default_return_to: str) -> MemberException:
    """``CASE=return:REASON``, ``CASE=return@STAGE:REASON`` or ``CASE=reject:REASON``; ValueError
    naming the form otherwise. A return without a stage goes to ``default_return_to``."""
    found = _EXCEPT.match(text)
    if found is None or not found["reason"].strip():
        raise ValueError(f"--except takes CASE=return:REASON, CASE=return@STAGE:REASON or CASE=reject:REASON, not {text!r}")
    if found["outcome"] == "reject" and found["to"]:
        raise ValueError(f"a rejection returns to no stage: {text!r}")
    to_stage = (found["to"] or default_return_to) if found["outcome"] == "return" else None
    return MemberException(case_id=found["case"].strip(), outcome=found["outcome"], reason=found["reason"].strip(),
                           to_stage=to_stage)


def default_return_stage(stage_ids: list[str]) -> str:
    """Where a list returns a member by default: the stage after the first (for a household, 核实认可:
    the village verifies again; the 民主评议 record stays); for a village, its 调查核实 (``survey``, the
    first stage: there is nothing between it and the notice to do again)."""
    if stage_ids and stage_ids[0] == "survey":
        return stage_ids[0]
    return stage_ids[1] if len(stage_ids) > 1 else stage_ids[0]
