"""The registry's working year (年度): the one year cases open for, moved forward only by the key
administrator's signed act.

Each act is a statement signed with the administrator's root key (the same root that certifies
officials' keys, domain/certificates.py): "from now on the working year is Y, following P". The
acts form a chain: the first names no previous year, every later one the year just before it. A
case opens only for the year the chain ends on, so an exit cannot be recorded for a year the
county has already closed (back-dated), nor for one it has not reached.

Pure: the registry keeps the acts (activities/registry/working_year.py); a worker checks them
against the root pinned in its own configuration, so writing to the registry cannot make a year.
"""

from datetime import datetime
from typing import Annotated, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field

from domain.canonical import key_id, public_key_text
from domain.certificates import B64, KeyId, sign_statement, verify_statement
from domain.refusals import NotWorkingYear, WorkingYearRefused

Year = Annotated[int, Field(ge=2014, le=2100)]


class WorkingYearStatement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["working_year"] = "working_year"
    year: Year
    previous: Year | None  # None only for the registry's first working year
    set_by: str = Field(min_length=1, max_length=120)  # the administrator, as `--as` names them
    set_at: datetime
    issuer: KeyId  # the root key's id


class WorkingYearAct(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    statement: WorkingYearStatement
    signature: B64

    @property
    def year(self) -> int:
        return self.statement.year


def next_act_problem(current: int | None, year: int, calendar_year: int) -> str | None:
    """Why `year` cannot follow `current` as the working year (None when it can): the year moves
    forward by exactly one, and never past the calendar year (in the county's time)."""
    if year > calendar_year:
        return f"{year} is after the calendar year {calendar_year}: a working year cannot be set ahead of time"
    if current is None:
        return None
    if year == current:
        return f"{year} is already the working year"
    if year < current:
        return f"the working year is {current}: it only moves forward, never back to {year}"
    if year > current + 1:
        return f"the working year is {current}: the next one is {current + 1}; {year} would skip {', '.join(map(str, range(current + 1, year)))}"
    return None


def sign_act(root: Ed25519PrivateKey, *, year: int, previous: int | None, set_by: str, set_at: datetime) -> WorkingYearAct:
    statement = WorkingYearStatement(
        year=year, previous=previous, set_by=set_by, set_at=set_at, issuer=key_id(public_key_text(root.public_key()))
    )
    return WorkingYearAct(statement=statement, signature=sign_statement(root, statement))


def working_year(acts: list[WorkingYearAct], root_public_key: str) -> int | None:
    """The year the chain of acts ends on, every act checked against the pinned root; None when the
    registry holds no act. A forged, altered or out-of-chain act refuses (the registry was written
    by someone other than the administrator)."""
    previous: int | None = None
    for n, act in enumerate(sorted(acts, key=lambda a: a.year)):
        s = act.statement
        if s.issuer != key_id(root_public_key) or not verify_statement(root_public_key, s, act.signature):
            raise WorkingYearRefused(f"the working-year act for {s.year} is not signed by the pinned administrator root")
        expected = None if n == 0 else previous
        if s.previous != expected or (previous is not None and s.year != previous + 1):
            raise WorkingYearRefused(
                f"the working-year act for {s.year} names {s.previous} as the year before it; the chain of acts "
                f"has {expected}: the registry's record of working years is broken"
            )
        previous = s.year
    return previous


def require_working_year(year: int, current: int | None) -> None:
    if current is None:
        raise NotWorkingYear(
            "the registry has no working year yet: the key administrator sets it (tuopin registry year set Y --as ADMIN)"
        )
    if year != current:
        raise NotWorkingYear(
            f"a case opens only for the registry's working year {current}, not {year} (an exit is never "
            "recorded for another year; the key administrator moves the working year forward)"
        )
