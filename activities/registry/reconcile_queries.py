"""The registry's side of `tuopin registry reconcile` (read only): which units it shows exited
(销号 / 出列 / 摘帽), by which case, and the status changes it logged for them.

A unit is named by its registry unit type (``household``, ``village_poor``, ``village_hollow``,
``township``, ``county``: the ``unit_type`` of ``status_changes``) and its id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.registry.schema import County, Household, StatusChange, Township, Village
from activities.registry.store import RegistryStore, as_utc

UnitKey = tuple[str, str]  # (unit_type, unit_id)

_BATCH = 500  # ids per IN (...) look-up


@dataclass(frozen=True)
class StatusChangeRow:
    case_id: str
    from_status: str
    to_status: str
    at: datetime | None


@dataclass(frozen=True)
class UnitExitRecord:
    """What the registry says about one unit's exit."""

    unit_type: str
    unit_id: str
    exists: bool  # the unit (with that designation, for a village) is in the registry
    status: str | None  # the unit row's status: poor / exited (None: no such unit or designation)
    exited_case_id: str | None  # the case the unit row names as having exited it
    changes: tuple[StatusChangeRow, ...] = ()  # its status_changes, oldest first

    @property
    def exited(self) -> bool:
        return self.status == "exited"

    def exit_cases(self) -> list[str]:
        """The cases whose 销号 of this unit stand: each exit change not reversed by a later change."""
        standing: list[str] = []
        for change in self.changes:
            if change.to_status == "exited":
                standing.append(change.case_id)
            else:  # a spot check that reverses an exit (to poor) cancels every exit before it
                standing = []
        return standing

    def reversed_after(self, case_id: str) -> bool:
        """A change to another status was logged after this case's exit (e.g. a spot check)."""
        seen = False
        for change in self.changes:
            if change.case_id == case_id and change.to_status == "exited":
                seen = True
            elif seen and change.to_status != "exited":
                return True
        return False


def exit_records(store: RegistryStore, also: Iterable[UnitKey] = ()) -> dict[UnitKey, UnitExitRecord]:
    """Every unit the registry shows exited or that has a logged status change, plus the units in
    `also` (e.g. those whose cases exited on Temporal), read in one transaction."""
    wanted = set(also)
    with store.session() as s:
        rows: dict[UnitKey, tuple[bool, str | None, str | None]] = {}
        for key, status, case in _exited_units(s):
            rows[key] = (True, status, case)
        changes: dict[UnitKey, list[StatusChangeRow]] = {}
        for change in s.scalars(select(StatusChange).order_by(StatusChange.id)):
            changes.setdefault((change.unit_type, change.unit_id), []).append(
                StatusChangeRow(case_id=change.case_id, from_status=change.from_status,
                                to_status=change.to_status, at=as_utc(change.at))
            )
        missing = (wanted | set(changes)) - set(rows)
        rows.update(_unit_rows(s, missing))
    return {
        key: UnitExitRecord(
            unit_type=key[0], unit_id=key[1], exists=rows[key][0], status=rows[key][1],
            exited_case_id=rows[key][2], changes=tuple(changes.get(key, ())),
        )
        for key in sorted(rows)
    }


def _exited_units(s: Session) -> Iterable[tuple[UnitKey, str, str | None]]:
    for unit_id, case in s.execute(select(Household.id, Household.exited_case_id).where(Household.status == "exited")):
        yield ("household", unit_id), "exited", case
    for unit_id, case in s.execute(select(Village.id, Village.poor_exited_case_id).where(Village.poor_status == "exited")):
        yield ("village_poor", unit_id), "exited", case
    for unit_id, case in s.execute(
        select(Village.id, Village.hollow_exited_case_id).where(Village.hollow_status == "exited")
    ):
        yield ("village_hollow", unit_id), "exited", case
    for model, unit_type in ((Township, "township"), (County, "county")):
        for unit_id, case in s.execute(select(model.id, model.exited_case_id).where(model.status == "exited")):
            yield (unit_type, unit_id), "exited", case


def _unit_rows(s: Session, keys: set[UnitKey]) -> dict[UnitKey, tuple[bool, str | None, str | None]]:
    """The status and exit case of the named units; (False, None, None) for a unit not in the registry."""
    found: dict[UnitKey, tuple[bool, str | None, str | None]] = {key: (False, None, None) for key in keys}
    by_type: dict[str, list[str]] = {}
    for unit_type, unit_id in keys:
        by_type.setdefault(unit_type, []).append(unit_id)
    for unit_type, ids in by_type.items():
        for start in range(0, len(ids), _BATCH):
            batch = sorted(ids[start:start + _BATCH])
            for unit_id, status, case in _lookup(s, unit_type, batch):
                found[(unit_type, unit_id)] = (status is not None, status, case)
    return found


def _lookup(s: Session, unit_type: str, ids: list[str]) -> Iterable[tuple[str, str | None, str | None]]:
    if unit_type == "household":
        query = select(Household.id, Household.status, Household.exited_case_id).where(Household.id.in_(ids))
    elif unit_type == "village_poor":
        query = select(Village.id, Village.poor_status, Village.poor_exited_case_id).where(Village.id.in_(ids))
    elif unit_type == "village_hollow":
        query = select(Village.id, Village.hollow_status, Village.hollow_exited_case_id).where(Village.id.in_(ids))
    elif unit_type == "township":
        query = select(Township.id, Township.status, Township.exited_case_id).where(Township.id.in_(ids))
    elif unit_type == "county":
        query = select(County.id, County.status, County.exited_case_id).where(County.id.in_(ids))
    else:
        return []
    return list(s.execute(query))
