"""The registry's side of supervision: the year's exits a spot check samples, the check and its
findings, the county's decision on an adverse finding (a reversal: 虚假脱贫; or a redo of missing steps,
the exit standing), and listings with the buffer period (摘帽不摘政策), the
false-exit flag and re-entries (registrations and earlier returns are written by
activities/registry/reentries.py, enrolments by activities/registry/enrollments.py).

Every write is idempotent, keyed by the check (and unit) or the re-entry that makes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.registry.schema import (
    Household,
    Reentry,
    ReminderOutbox,
    SpotCheck,
    SpotCheckFinding,
    StatusChange,
    Township,
    Village,
)
from activities.registry.store import RegistryStore, as_utc
from domain.buffer import BufferRule, in_buffer, local_date
from domain.case_ids import case_id_prefix
from domain.refusals import UnitNotFound
from domain.signing import Signature
from domain.spot_check import ExitedUnit, Signer


# -- the exits a check samples ------------------------------------------------------------------
def exits_of_year(store: RegistryStore, county_id: str, year: int) -> list[ExitedUnit]:
    """The county's units whose CURRENT status is exited by a case of ``year``: households (by their
    exited_year), 贫困村 / 空壳村 and key townships (by the status change their exit case wrote).
    A reversed or returned exit is no longer current, so it is not sampled again."""
    with store.session() as s:
        units: list[ExitedUnit] = []
        households = s.execute(
            select(Household, Village.township_id)
            .join(Village, Village.id == Household.village_id)
            .join(Township, Township.id == Village.township_id)
            .where(Township.county_id == county_id, Household.status == "exited", Household.exited_year == year)
            .order_by(Household.id)
        )
        for h, township_id in households:
            units.append(ExitedUnit(
                unit_type="household", unit_id=h.id, year=year, case_id=h.exited_case_id or "", county_id=county_id,
                township_id=township_id, village_id=h.village_id, exited_at=as_utc(h.exited_at),
            ))
        for unit_type, unit_id, case_id, township_id in _current_unit_exits(s, county_id):
            change = _exit_change(s, case_id, unit_id)
            if change is None or change.year != year:
                continue
            units.append(ExitedUnit(
                unit_type=unit_type, unit_id=unit_id, year=year, case_id=case_id, county_id=county_id,
                township_id=township_id, village_id=unit_id if unit_type != "township" else None,
                exited_at=as_utc(change.at),
            ))
        return units


def _current_unit_exits(s: Session, county_id: str | None = None) -> list[tuple[str, str, str, str]]:
    """(unit type, unit id, exit case, township) of every village and township exited now."""
    out: list[tuple[str, str, str, str]] = []
    villages = select(Village, Township.county_id).join(Township, Township.id == Village.township_id)
    townships = select(Township)
    if county_id is not None:
        villages = villages.where(Township.county_id == county_id)
        townships = townships.where(Township.county_id == county_id)
    for v, _county in s.execute(villages.order_by(Village.id)):
        if v.poor_status == "exited" and v.poor_exited_case_id:
            out.append(("village_poor", v.id, v.poor_exited_case_id, v.township_id))
        if v.hollow_status == "exited" and v.hollow_exited_case_id:
            out.append(("village_hollow", v.id, v.hollow_exited_case_id, v.township_id))
    for t in s.scalars(townships.order_by(Township.id)):
        if t.status == "exited" and t.exited_case_id:
            out.append(("township", t.id, t.exited_case_id, t.id))
    return out


def _exit_change(s: Session, case_id: str, unit_id: str) -> StatusChange | None:
    return s.scalar(select(StatusChange).where(
        StatusChange.case_id == case_id, StatusChange.unit_id == unit_id, StatusChange.to_status == "exited"
    ))


@dataclass(frozen=True)
class CurrentExit:
    """A unit exited now, for the buffer period: where it is, since when, how many persons."""

    unit_type: str
    unit_id: str
    township_id: str
    case_id: str
    exited_at: datetime | None
    persons: int = 0


def current_exits(s: Session) -> list[CurrentExit]:
    """Every unit whose status is exited now (reads only the tables every registry has)."""
    out: list[CurrentExit] = []
    for h, township_id in s.execute(
        select(Household, Village.township_id).join(Village, Village.id == Household.village_id)
        .where(Household.status == "exited").order_by(Household.id)
    ):
        out.append(CurrentExit("household", h.id, township_id, h.exited_case_id or "", as_utc(h.exited_at), h.members))
    for unit_type, unit_id, case_id, township_id in _current_unit_exits(s):
        change = _exit_change(s, case_id, unit_id)
        out.append(CurrentExit(unit_type, unit_id, township_id, case_id, as_utc(change.at) if change else None))
    return out


# -- the check ------------------------------------------------------------------------------------
def record_check(
    store: RegistryStore, check_id: str, county_id: str, year: int, percent: float, seed: int, initiator_id: str,
    exits_total: int, sample_size: int, at: datetime,
) -> None:
    with store.session() as s:
        if s.get(SpotCheck, check_id) is None:
            s.add(SpotCheck(
                check_id=check_id, county_id=county_id, year=year, percent=Decimal(str(percent)), seed=str(seed),
                initiator_id=initiator_id, exits_total=exits_total, sample_size=sample_size, started_at=at,
            ))


def complete_check(store: RegistryStore, check_id: str, units_checked: int, false_exits: int, at: datetime) -> None:
    with store.session() as s:
        row = s.get(SpotCheck, check_id)
        if row is not None and row.completed_at is None:
            row.completed_at, row.units_checked, row.false_exits = at, units_checked, false_exits


class FindingWrite(BaseModel):
    """A spot-check finding to record; also the activity's input (one model, one place)."""

    model_config = ConfigDict(frozen=True)

    check_id: str
    unit_type: str
    unit_id: str
    exited_case_id: str
    exit_year: int
    verdict: str
    official_id: str
    person_id: str
    note: str
    signature: Signature | None
    signers: list[Signer]
    at: datetime
    referred_to: list[str] = []  # role@township told of the referral (an adverse finding)


def record_finding(store: RegistryStore, w: FindingWrite) -> None:
    """Records a finding once. It changes no status: an adverse finding is referred to the township
    (its leaders get a row in the outbox), and only the county's decision on its report reverses."""
    with store.session() as s:
        existing = s.scalar(select(SpotCheckFinding).where(
            SpotCheckFinding.check_id == w.check_id, SpotCheckFinding.unit_type == w.unit_type,
            SpotCheckFinding.unit_id == w.unit_id,
        ))
        if existing is not None:
            return
        s.add(SpotCheckFinding(
            check_id=w.check_id, unit_type=w.unit_type, unit_id=w.unit_id, exited_case_id=w.exited_case_id,
            exit_year=w.exit_year, verdict=w.verdict, official_id=w.official_id, person_id=w.person_id, note=w.note,
            key_id=w.signature.key_id if w.signature else None, signature=w.signature.value if w.signature else None,
            signed_at=w.signature.signed_at if w.signature else None,
            signers=json.dumps([x.model_dump(mode="json") for x in w.signers], ensure_ascii=False),
            reversed=False, at=w.at,
        ))
        for recipient in w.referred_to:
            s.add(ReminderOutbox(case_id=w.check_id, kind="referral", recipient=recipient, stage="report",
                                 waiting_since=w.at, created_at=w.at))


class DecisionWrite(BaseModel):
    """The county's decision on a referral, with the referral's whole record; also the activity's input."""

    model_config = ConfigDict(frozen=True)

    check_id: str
    unit_type: str
    unit_id: str
    exited_case_id: str
    exit_year: int
    ruling: str  # reverse / redo
    referral: dict[str, Any]
    at: datetime


def record_decision(store: RegistryStore, w: DecisionWrite) -> dict[str, Any]:
    """Writes the decision once on the finding's row; a reversal also undoes the exit, if it is still the
    unit's current one (back to poor, a status change to 'poor' under the check's id). A redo leaves the
    exit standing and records the steps to redo. Returns the registry change."""
    with store.session() as s:
        finding = s.scalar(select(SpotCheckFinding).where(
            SpotCheckFinding.check_id == w.check_id, SpotCheckFinding.unit_type == w.unit_type,
            SpotCheckFinding.unit_id == w.unit_id,
        ).with_for_update())
        if finding is None:
            raise UnitNotFound(f"no finding on {w.unit_type} {w.unit_id} of {w.check_id} in the registry")
        if finding.disposition is not None:
            return _change_of(s, finding) or {}
        if w.ruling == "reverse":
            change = _reverse(s, finding, w.at)
        else:
            change = {"reversed": False, "redo": True, "unit_type": w.unit_type, "unit_id": w.unit_id,
                      "steps": list(w.referral.get("redo_steps", [])), "exit_case_id": w.exited_case_id,
                      "note": "the exit stands; the steps named are to be redone"}
        finding.disposition, finding.disposed_at = w.ruling, w.at
        finding.referral = json.dumps(w.referral, ensure_ascii=False)
        finding.reversed = bool(change.get("reversed"))
        s.flush()
        return change


def _change_of(s: Session, finding: SpotCheckFinding) -> dict[str, Any] | None:
    if finding.disposition == "redo":
        steps = json.loads(finding.referral or "{}").get("redo_steps", [])
        return {"reversed": False, "redo": True, "unit_type": finding.unit_type, "unit_id": finding.unit_id,
                "steps": steps, "exit_case_id": finding.exited_case_id,
                "note": "the exit stands; the steps named are to be redone"}
    if finding.disposition != "reverse":
        return None
    row = s.scalar(select(StatusChange).where(
        StatusChange.case_id == finding.check_id, StatusChange.unit_id == finding.unit_id, StatusChange.to_status == "poor"
    ))
    if row is None:
        return {"reversed": False, "unit_type": finding.unit_type, "unit_id": finding.unit_id,
                "reversed_case_id": finding.exited_case_id, "note": "the exit was no longer current; nothing reversed"}
    return _change_doc(row, finding.exited_case_id)


def _change_doc(row: StatusChange, reversed_case_id: str) -> dict[str, Any]:
    return {"reversed": True, "case_id": row.case_id, "unit_type": row.unit_type, "unit_id": row.unit_id,
            "from_status": row.from_status, "to_status": row.to_status, "at": as_utc(row.at).isoformat(),
            "reversed_case_id": reversed_case_id}


def _reverse(s: Session, w: SpotCheckFinding, at: datetime) -> dict[str, Any]:
    model = {"household": Household, "village_poor": Village, "village_hollow": Village, "township": Township}[w.unit_type]
    row = s.get(model, w.unit_id, with_for_update=True)
    if row is None:
        raise UnitNotFound(f"no {w.unit_type} {w.unit_id!r} in the registry")
    if w.unit_type == "village_poor":
        current, case = row.poor_status, row.poor_exited_case_id
    elif w.unit_type == "village_hollow":
        current, case = row.hollow_status, row.hollow_exited_case_id
    else:
        current, case = row.status, row.exited_case_id
    if current != "exited" or case != w.exited_case_id:
        return {"reversed": False, "unit_type": w.unit_type, "unit_id": w.unit_id, "reversed_case_id": w.exited_case_id,
                "note": f"the exit was no longer current (status {current!r}, exit case {case!r}); nothing reversed"}
    if w.unit_type == "household":
        row.status, row.exited_year, row.exited_case_id, row.exited_at = "poor", None, None, None
    elif w.unit_type == "village_poor":
        row.poor_status, row.poor_exited_case_id = "poor", None
    elif w.unit_type == "village_hollow":
        row.hollow_status, row.hollow_exited_case_id = "poor", None
    else:
        row.status, row.exited_case_id = "poor", None
    change = StatusChange(case_id=w.check_id, unit_type=w.unit_type, unit_id=w.unit_id, year=w.exit_year,
                          from_status="exited", to_status="poor", at=at)
    s.add(change)
    s.flush()
    return _change_doc(change, w.exited_case_id)


def findings(store: RegistryStore, check_id: str | None = None, unit_id: str | None = None) -> list[dict[str, Any]]:
    with store.session() as s:
        query = select(SpotCheckFinding).order_by(SpotCheckFinding.id)
        if check_id:
            query = query.where(SpotCheckFinding.check_id == check_id)
        if unit_id:
            query = query.where(SpotCheckFinding.unit_id == unit_id)
        return [
            {"check_id": f.check_id, "unit_type": f.unit_type, "unit_id": f.unit_id, "exited_case_id": f.exited_case_id,
             "exit_year": f.exit_year, "verdict": f.verdict, "official_id": f.official_id, "note": f.note,
             "reversed": f.reversed, "signers": json.loads(f.signers), "at": as_utc(f.at),
             "disposition": f.disposition, "referral": json.loads(f.referral) if f.referral else None,
             "disposed_at": as_utc(f.disposed_at)}
            for f in s.scalars(query)
        ]


def spot_check_row(store: RegistryStore, check_id: str) -> dict[str, Any] | None:
    with store.session() as s:
        row = s.get(SpotCheck, check_id)
        if row is None:
            return None
        return {"check_id": row.check_id, "county_id": row.county_id, "year": row.year, "percent": float(row.percent),
                "seed": int(row.seed), "initiator_id": row.initiator_id, "exits_total": row.exits_total,
                "sample_size": row.sample_size, "started_at": as_utc(row.started_at),
                "completed_at": as_utc(row.completed_at), "units_checked": row.units_checked,
                "false_exits": row.false_exits}


# -- listings -------------------------------------------------------------------------------------
def households_supervised(
    store: RegistryStore, rule: BufferRule, today: date, township_id: str | None = None,
    village_id: str | None = None, status: str | None = None,
) -> list[dict[str, Any]]:
    """Households (no personal data) with the buffer period and the supervision flags: ``in_buffer``,
    ``false_exit_check_id`` (the latest check whose county decision reversed an exit of it: 虚假脱贫),
    ``redo_check_id`` (the latest that ordered missing steps redone) and re-entries (registrations,
    earlier signed returns, and returns enrolled by a case)."""
    with store.session() as s:
        query = select(Household, Village.township_id).join(Village, Village.id == Household.village_id).order_by(Household.id)
        if township_id:
            query = query.where(Village.township_id == township_id)
        if village_id:
            query = query.where(Household.village_id == village_id)
        if status:
            query = query.where(Household.status == status)
        rows = list(s.execute(query))
        ids = [h.id for h, _ in rows]
        flagged: dict[str, str] = {}
        redo: dict[str, str] = {}
        for unit_id, check, disposition in s.execute(
            select(SpotCheckFinding.unit_id, SpotCheckFinding.check_id, SpotCheckFinding.disposition)
            .where(SpotCheckFinding.unit_type == "household", SpotCheckFinding.disposition.is_not(None),
                   SpotCheckFinding.unit_id.in_(ids))
            .order_by(SpotCheckFinding.id)
        ):
            (flagged if disposition == "reverse" else redo)[unit_id] = check
        counts = dict(s.execute(
            select(Reentry.household_id, func.count()).where(Reentry.household_id.in_(ids)).group_by(Reentry.household_id)
        ).all())
        # a return to poverty is now an enrolment case (domain/enrollment.py): exited → poor under its id
        for unit_id, n in s.execute(
            select(StatusChange.unit_id, func.count())
            .where(StatusChange.unit_type == "household", StatusChange.unit_id.in_(ids),
                   StatusChange.from_status == "exited", StatusChange.to_status == "poor",
                   StatusChange.case_id.startswith(case_id_prefix("enrollment") + "/"))
            .group_by(StatusChange.unit_id)
        ):
            counts[unit_id] = counts.get(unit_id, 0) + n
        out = []
        for h, tid in rows:
            exited_on = local_date(as_utc(h.exited_at))
            out.append({
                "household_id": h.id, "village_id": h.village_id, "township_id": tid, "members": h.members,
                "status": h.status, "exited_year": h.exited_year, "exited_case_id": h.exited_case_id,
                "exited_on": exited_on.isoformat() if exited_on else None,
                "in_buffer": in_buffer(h.status, exited_on, today, rule),
                "false_exit": h.id in flagged, "false_exit_check_id": flagged.get(h.id),
                "redo_check_id": redo.get(h.id),
                "reentries": counts.get(h.id, 0),
            })
        return out


def units_in_buffer(
    store: RegistryStore, rule: BufferRule, today: date, township_id: str | None = None
) -> list[dict[str, Any]]:
    """Every unit exited now, with whether ``today`` falls in its buffer period (摘帽不摘政策)."""
    with store.session() as s:
        exits = current_exits(s)
    out = []
    for e in exits:
        if township_id and e.township_id != township_id:
            continue
        exited_on = local_date(e.exited_at)
        out.append({
            "unit_type": e.unit_type, "unit_id": e.unit_id, "township_id": e.township_id, "exit_case_id": e.case_id,
            "exited_on": exited_on.isoformat() if exited_on else None, "persons": e.persons or None,
            "support_until": rule.support_until.isoformat(), "in_buffer": in_buffer("exited", exited_on, today, rule),
        })
    return out
