"""The registry's ACTUAL exits, for the plan report (domain/plan.py): read only.

* households: every exit their ``status_changes`` record (to 'exited', the row's ``year``), persons =
  members, township through the village; an exit that a spot check reversed as false (the unit's next
  row goes back to 'poor' under a spot-check id) does not count, while one followed by a return to
  poverty (返贫) still counts for its year; a household marked exited without any such row (data
  loaded by hand) counts by its ``exited_year``;
* villages: their latest ``status_changes`` row per (unit_type, village) for 'village_poor' /
  'village_hollow', counted when it is to 'exited' (a spot check that reverses an exit writes a later
  row, so a reversed exit no longer counts); the exit year is the row's ``year``;
* townships: likewise, unit_type 'township';
* villages' paired county department (挂包的县直部门) and names, townships' names;
* the units exited now, with their exit day, for the buffer period (摘帽不摘政策).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from activities.registry.schema import Household, StatusChange, Township, Village
from activities.registry.store import RegistryStore, RegistryUnavailable
from activities.registry.supervision import current_exits
from domain.buffer import local_date
from domain.plan_report import ActualExits, ExitedNow, HouseholdExitTally, TownshipRef, UnitExit, VillageRef
from domain.spot_check import is_check_id

VILLAGE_UNIT_TYPES = ("village_poor", "village_hollow")
REQUIRED_TABLES = ("households", "villages", "townships", "status_changes")


@dataclass(frozen=True)
class RegistryFacts:
    actual: ActualExits
    villages: list[VillageRef]
    townships: list[TownshipRef]
    exited_now: list[ExitedNow]


def read_plan_facts(store: RegistryStore) -> RegistryFacts:
    """Everything the plan report needs, read in one transaction."""
    require_tables(store)
    with store.session() as s:
        return RegistryFacts(
            actual=ActualExits(households=tuple(_household_tallies(s)), units=tuple(_unit_exits(s))),
            villages=_villages(s),
            townships=_townships(s),
            exited_now=_exited_now(s),
        )


def require_tables(store: RegistryStore) -> None:
    """An empty or foreign database is not a registry: say so instead of reporting zero exits."""
    try:
        names = set(inspect(store.engine).get_table_names())
    except SQLAlchemyError as exc:
        raise RegistryUnavailable(f"the registry cannot be reached: {getattr(exc, 'orig', None) or exc}") from exc
    missing = [t for t in REQUIRED_TABLES if t not in names]
    if missing:
        raise RegistryUnavailable(
            f"the registry at {store.engine.url.render_as_string(hide_password=True)} has no "
            f"{', '.join(missing)} table(s): seed it first (tuopin registry seed)"
        )


def _household_tallies(s: Session) -> list[HouseholdExitTally]:
    changes: dict[str, list[StatusChange]] = defaultdict(list)
    for row in s.scalars(select(StatusChange).where(StatusChange.unit_type == "household").order_by(StatusChange.id)):
        changes[row.unit_id].append(row)
    exits: set[tuple[str, int]] = set()  # (household, exit year)
    recorded: set[tuple[str, str]] = set()  # (household, exit case)
    for household_id, rows in changes.items():
        for index, row in enumerate(rows):
            if row.to_status != "exited":
                continue
            recorded.add((household_id, row.case_id))
            following = rows[index + 1] if index + 1 < len(rows) else None
            if following is not None and following.to_status == "poor" and is_check_id(following.case_id):
                continue  # 虚假脱贫: a spot check reversed this exit
            exits.add((household_id, row.year if row.year is not None else row.at.year))
    for h in s.scalars(select(Household).where(Household.status == "exited", Household.exited_year.is_not(None))):
        if (h.id, h.exited_case_id or "") not in recorded:
            exits.add((h.id, h.exited_year))
    ids = sorted({household_id for household_id, _ in exits})
    where = dict(
        (hid, (tid, members)) for hid, tid, members in s.execute(
            select(Household.id, Village.township_id, Household.members)
            .join(Village, Village.id == Household.village_id).where(Household.id.in_(ids))
        )
    )
    tally: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for household_id, year in exits:
        if household_id not in where:
            continue  # a status change of a household the registry no longer lists
        township_id, members = where[household_id]
        tally[(township_id, year)][0] += 1
        tally[(township_id, year)][1] += members
    return [
        HouseholdExitTally(township_id=tid, year=year, households=count, persons=persons)
        for (tid, year), (count, persons) in sorted(tally.items())
    ]


def _exited_now(s: Session) -> list[ExitedNow]:
    return [
        ExitedNow(unit_type=e.unit_type, unit_id=e.unit_id, township_id=e.township_id,
                  exited_on=local_date(e.exited_at), persons=e.persons)
        for e in current_exits(s)
    ]


def _unit_exits(s: Session) -> list[UnitExit]:
    latest: dict[tuple[str, str], StatusChange] = {}
    rows = s.scalars(
        select(StatusChange)
        .where(StatusChange.unit_type.in_((*VILLAGE_UNIT_TYPES, "township")))
        .order_by(StatusChange.at, StatusChange.id)
    )
    for row in rows:
        latest[(row.unit_type, row.unit_id)] = row
    village_township = dict(s.execute(select(Village.id, Village.township_id)).all())
    exits: list[UnitExit] = []
    for (unit_type, unit_id), row in sorted(latest.items()):
        if row.to_status != "exited":
            continue
        township_id = unit_id if unit_type == "township" else village_township.get(unit_id)
        if township_id is None:
            continue  # a status change of a village the registry no longer lists
        year = row.year if row.year is not None else row.at.year
        exits.append(UnitExit(
            unit_type=unit_type, unit_id=unit_id, township_id=township_id, year=year, case_id=row.case_id,
        ))
    return exits


def _villages(s: Session) -> list[VillageRef]:
    return [
        VillageRef(village_id=v.id, name=v.name, township_id=v.township_id, paired_department=v.paired_department,
                   paired_department_source=v.paired_department_source)
        for v in s.scalars(select(Village).order_by(Village.township_id, Village.id))
    ]


def _townships(s: Session) -> list[TownshipRef]:
    return [TownshipRef(township_id=t.id, name=t.name) for t in s.scalars(select(Township).order_by(Township.id))]
