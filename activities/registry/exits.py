"""销号 (and 出列 / 摘帽): marking a unit exited, once, by the case that decided it."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.registry.schema import County, Household, StatusChange, Township, Village
from activities.registry.store import ExitConflict, RegistryStore, announce_in
from domain.refusals import UnitNotFound

UNIT_TYPES = ("household", "village_poor", "village_hollow", "township", "county")


def announce_and_mark_exited(
    store: RegistryStore, announcements: list[dict[str, Any]], unit_type: str, unit_id: str, case_id: str, year: int,
    at: datetime, simulated: bool = False,
) -> StatusChange:
    """公告退出，同时销号: the exit's announcements and the status change in one transaction, so the
    registry never shows one without the other. Idempotent, like each of its parts."""
    with store.session() as s:
        for announcement in announcements:
            announce_in(s, **announcement)
        return mark_exited_in(s, unit_type, unit_id, case_id, year, at, simulated)


def mark_exited_in(s: Session, unit_type: str, unit_id: str, case_id: str, year: int, at: datetime,
                   simulated: bool = False) -> StatusChange:
    """Marks the unit exited inside a transaction the caller holds (with the announcements of the same
    exit). Idempotent: a second call by the same case returns the first change; another case is refused."""
    if unit_type not in UNIT_TYPES:
        raise ValueError(f"unknown unit type {unit_type!r}")
    previous = s.scalar(select(StatusChange).where(
        StatusChange.case_id == case_id, StatusChange.unit_id == unit_id, StatusChange.to_status == "exited"
    ))
    if previous is not None:
        return previous
    current = _status(s, unit_type, unit_id)
    if current == "exited":
        raise ExitConflict(f"{unit_type} {unit_id} was already marked exited by another case")
    _set_exited(s, unit_type, unit_id, case_id, year, at)
    change = StatusChange(
        case_id=case_id, unit_type=unit_type, unit_id=unit_id, year=year,
        from_status=current or "poor", to_status="exited", at=at, simulated=simulated,
    )
    s.add(change)
    s.flush()
    return change


def _row(s: Session, unit_type: str, unit_id: str):
    model = {"household": Household, "village_poor": Village, "village_hollow": Village, "township": Township, "county": County}[unit_type]
    row = s.get(model, unit_id, with_for_update=True)
    if row is None:
        raise UnitNotFound(f"no {unit_type.split('_')[0]} {unit_id!r} in the registry")
    return row


def _status(s: Session, unit_type: str, unit_id: str) -> str | None:
    row = _row(s, unit_type, unit_id)
    if unit_type == "village_poor":
        return row.poor_status
    if unit_type == "village_hollow":
        return row.hollow_status
    return row.status


def _set_exited(s: Session, unit_type: str, unit_id: str, case_id: str, year: int, at: datetime) -> None:
    row = _row(s, unit_type, unit_id)
    if unit_type == "household":
        row.status, row.exited_year, row.exited_case_id, row.exited_at = "exited", year, case_id, at
    elif unit_type == "village_poor":
        row.poor_status, row.poor_exited_case_id = "exited", case_id
    elif unit_type == "village_hollow":
        row.hollow_status, row.hollow_exited_case_id = "exited", case_id
    else:
        row.status, row.exited_case_id = "exited", case_id


def real_exits(store: RegistryStore) -> int:
    """How many units the registry holds as exited other than by a simulation worker's case: an exit
    recorded by a production worker, or a unit marked exited by any other means (an import, a seed)."""
    with store.session() as s:
        total = s.scalar(select(func.count()).select_from(StatusChange).where(
            StatusChange.to_status == "exited", StatusChange.simulated.is_(False)
        )) or 0
        for status, case_id in (
            (Household.status, Household.exited_case_id),
            (Village.poor_status, Village.poor_exited_case_id),
            (Village.hollow_status, Village.hollow_exited_case_id),
            (Township.status, Township.exited_case_id),
            (County.status, County.exited_case_id),
        ):
            # exited with no status change of a real exit behind it (which the count above has)
            total += s.scalar(select(func.count()).select_from(status.class_).where(
                status == "exited",
                (case_id.is_(None)) | case_id.not_in(select(StatusChange.case_id)),
            )) or 0
        return total
