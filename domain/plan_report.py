"""The plan-versus-actual report of 清委办〔2017〕25号: the plan (domain/plan.py) against the exits the
registry records, per township and for the county. Pure: no I/O, no clock ("today" is a parameter).

Report semantics for a year Y (per township and for the county):

* ``planned`` / ``actual``: the plan's figure for Y and the exits recorded in the registry for Y.
* persons: ``behind_plan`` when the exits of the plan's years up to Y fall short of the persons
  planned for those years (an early exit in Y-1 counts towards Y's task); ``shortfall`` is the gap.
* villages (贫困村, 空壳村) and key townships (重点乡): the plan names them, so ``outstanding`` lists
  every unit planned for Y or earlier that has not exited by the end of Y; ``behind_plan`` when any.
* county totals: sums of the townships' figures; the persons shortfall is the sum of the townships'
  shortfalls (one township's surplus does not make up for another's gap).
* early-exit bonus (正向激励: 对提前退出的贫困村和挂包的县直部门…给予加分奖励): a 贫困村 that exits as
  a poor village in Y while the plan lists it as one for a later year flags itself and its paired
  county department (挂包的县直部门) where the registry knows it. The text names 贫困村 only: a 空壳村
  exiting early earns no flag (a village that is both earns it by its poor-village exit).
* annual assessment (四.1: 贫困退出年度任务完成情况纳入县对乡镇党委、政府精准扶贫工作考核内容): per township,
  the task to the end of Y (persons planned for the plan's years up to Y; the villages and the key
  township the plan names for Y or earlier) against what is done; each measure's completion rate;
  ``completion_rate`` = the lowest of them, capped at 100 %; ``completed`` when it is 100 %. For the
  county, a township's surplus does not make up for another's gap here either.
* buffer period (正向激励: 摘帽不摘政策): the units exited as of ``today`` whose support continues
  (``today`` on or before support_buffer_until), counted per township, when the caller gives them.
* A false exit that a spot check reversed is not an exit: the registry's reading leaves it out. A
  household that exited and later returned to poverty (返贫) still counts for the year it exited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict

from domain.buffer import BufferRule, in_buffer
from domain.plan import (
    Count,
    ExitUnitType,
    Plan,
    TotalMismatch,
    UNIT_TYPE_KIND,
    VillageKind,
    check_totals,
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- actual exits, as read from the registry --------------------------------------------------


class HouseholdExitTally(_Frozen):
    """Households marked exited (销号) in one township with one exit year."""

    township_id: str
    year: int
    households: Count
    persons: Count


class UnitExit(_Frozen):
    """A village (as 贫困村 or 空壳村) or a township whose latest status change is 'exited'."""

    unit_type: ExitUnitType
    unit_id: str
    township_id: str
    year: int
    case_id: str = ""


class ActualExits(_Frozen):
    households: tuple[HouseholdExitTally, ...] = ()
    units: tuple[UnitExit, ...] = ()


class VillageRef(_Frozen):
    village_id: str
    name: str
    township_id: str
    paired_department: str | None = None  # 挂包的县直部门
    paired_department_source: str | None = None  # where the registry has the pairing from


class TownshipRef(_Frozen):
    township_id: str
    name: str


class ExitedNow(_Frozen):
    """A unit exited as of the registry's reading, for the buffer period."""

    unit_type: str  # household / village_poor / village_hollow / township
    unit_id: str
    township_id: str
    exited_on: date | None = None
    persons: Count = 0


# -- the report -------------------------------------------------------------------------------


class Figures(_Frozen):
    planned: int
    actual: int
    behind_plan: bool
    shortfall: int = 0
    outstanding: tuple[str, ...] = ()  # named units planned for the year or earlier, not exited by its end


class BonusFlag(_Frozen):
    village_id: str
    village_name: str
    township_id: str
    kind: VillageKind
    planned_year: int
    exit_year: int
    paired_department: str | None
    paired_department_source: str | None = None


class Assessment(_Frozen):
    """年度任务完成情况: the task to the end of the year against what is done (see the module's text)."""

    persons_planned: int
    persons_actual: int
    persons_rate: float | None  # None: no persons planned so far
    villages_planned: int  # 贫困村 and 空壳村 named for the year or earlier
    villages_exited: int
    villages_rate: float | None
    key_township_planned: int
    key_township_exited: int
    key_township_rate: float | None
    completion_rate: float | None  # the lowest rate, capped at 1.0; None: no task so far
    completed: bool
    bonus_flags: int = 0


class BufferCounts(_Frozen):
    """Units in their buffer period (摘帽不摘政策) as of the report's ``today``."""

    households: int = 0
    persons: int = 0
    villages: int = 0  # as 贫困村 or 空壳村 (a village exited as both counts twice)
    townships: int = 0


class TownshipReport(_Frozen):
    township_id: str
    name: str
    persons: Figures
    poor_villages: Figures
    hollow_villages: Figures
    key_township: Figures
    behind_plan: tuple[str, ...]  # the measures behind plan
    bonus_flags: tuple[BonusFlag, ...]
    assessment: Assessment
    in_buffer: BufferCounts | None = None


class CountyTotals(_Frozen):
    persons: Figures
    poor_villages: Figures
    hollow_villages: Figures
    key_townships: Figures
    behind_plan: tuple[str, ...]
    stated: dict[str, dict[str, int]]  # measure -> {table: stated figure for the year}
    assessment: Assessment
    in_buffer: BufferCounts | None = None


class PlanReport(_Frozen):
    year: int
    plan_years: tuple[int, ...]
    townships: tuple[TownshipReport, ...]
    totals: CountyTotals
    bonus_flags: tuple[BonusFlag, ...]
    mismatches: tuple[TotalMismatch, ...]
    unit_names: dict[str, str] = {}  # village and township ids -> names, for the ids listed above
    today: date | None = None  # the day the buffer period is judged on
    support_buffer_until: date | None = None

    def name(self, unit_id: str) -> str:
        return self.unit_names.get(unit_id, unit_id)

    def document(self) -> dict[str, object]:
        doc = self.model_dump(mode="json", exclude={"mismatches"})
        doc["mismatches"] = [m.document() for m in self.mismatches]
        return doc


MEASURES = ("persons", "poor_villages", "hollow_villages", "key_township")


def build_report(
    plan: Plan,
    year: int,
    actual: ActualExits,
    villages: Sequence[VillageRef] = (),
    townships: Sequence[TownshipRef] = (),
    exited_now: Sequence[ExitedNow] | None = None,
    buffer: BufferRule | None = None,
    today: date | None = None,
) -> PlanReport:
    """Planned against actual exits for ``year``, per township (every township of the plan and of
    ``townships``) and for the county, with behind-plan flags, early-exit bonus flags, the annual
    assessment and mismatches; with ``exited_now``, ``buffer`` and ``today``, the units in their
    buffer period."""
    first_year = min(plan.years(), default=year)
    names = {t.township_id: t.name for t in townships}
    for t in plan.household_targets:
        names.setdefault(t.township_id, t.township_as_written)
    for k in plan.key_township_targets:
        names.setdefault(k.township_id, k.township_as_written)
    order = plan.township_order() + sorted(t.township_id for t in townships if t.township_id not in plan.township_order())
    village_info = {v.village_id: v for v in villages}
    unit_names = {v.village_id: v.village_as_written for v in plan.village_targets}
    unit_names.update({v.village_id: v.name for v in villages})
    unit_names.update(names)

    # exits by (unit type, unit id) -> year
    exit_year: dict[tuple[str, str], int] = {}
    exit_township: dict[tuple[str, str], str] = {}
    for u in actual.units:
        exit_year[(u.unit_type, u.unit_id)] = u.year
        exit_township[(u.unit_type, u.unit_id)] = u.township_id

    planned_persons: dict[tuple[str, int], int] = defaultdict(int)
    for t in plan.household_targets:
        planned_persons[(t.township_id, t.year)] += t.persons or 0
    actual_persons: dict[tuple[str, int], int] = defaultdict(int)
    for h in actual.households:
        actual_persons[(h.township_id, h.year)] += h.persons

    bonus = _bonus_flags(plan, year, actual, village_info)
    buffered = _buffered(exited_now, buffer, today)
    rows: list[TownshipReport] = []
    for tid in order:
        persons = _persons(tid, year, first_year, planned_persons, actual_persons)
        by_kind = {
            kind: _named(
                planned=[(v.village_id, v.year) for v in plan.village_targets if v.township_id == tid and v.kind == kind],
                exits={
                    uid: y for (ut, uid), y in exit_year.items()
                    if ut == f"village_{kind}" and exit_township[(ut, uid)] == tid
                },
                year=year,
            )
            for kind in ("poor", "hollow")
        }
        key = _named(
            planned=[(k.township_id, k.year) for k in plan.key_township_targets if k.township_id == tid],
            exits={uid: y for (ut, uid), y in exit_year.items() if ut == "township" and uid == tid},
            year=year,
        )
        figures = {"persons": persons, "poor_villages": by_kind["poor"], "hollow_villages": by_kind["hollow"],
                   "key_township": key}
        flags = tuple(b for b in bonus if b.township_id == tid)
        rows.append(TownshipReport(
            township_id=tid, name=names.get(tid, tid), **figures,
            behind_plan=tuple(m for m in MEASURES if figures[m].behind_plan),
            bonus_flags=flags,
            assessment=_assessment(
                _cumulative(tid, year, first_year, planned_persons), _cumulative(tid, year, first_year, actual_persons),
                [by_kind["poor"], by_kind["hollow"]], key,
                villages_planned=sum(1 for v in plan.village_targets if v.township_id == tid and v.year <= year),
                key_planned=sum(1 for k in plan.key_township_targets if k.township_id == tid and k.year <= year),
                bonus=len(flags),
            ),
            in_buffer=buffered.get(tid, BufferCounts()) if buffered is not None else None,
        ))

    totals = {
        "persons": _sum_persons([r.persons for r in rows]),
        "poor_villages": _sum_named([r.poor_villages for r in rows]),
        "hollow_villages": _sum_named([r.hollow_villages for r in rows]),
        "key_townships": _sum_named([r.key_township for r in rows]),
    }
    stated: dict[str, dict[str, int]] = {}
    for s in plan.stated_totals:
        if s.year == year:
            stated.setdefault(s.measure, {})[s.table] = s.stated
    return PlanReport(
        year=year,
        plan_years=tuple(plan.years()),
        townships=tuple(rows),
        totals=CountyTotals(
            **totals, behind_plan=tuple(m for m, f in totals.items() if f.behind_plan), stated=stated,
            assessment=_county_assessment([r.assessment for r in rows]),
            in_buffer=_sum_buffer([r.in_buffer for r in rows if r.in_buffer]) if buffered is not None else None,
        ),
        bonus_flags=tuple(bonus),
        mismatches=tuple(check_totals(plan)),
        unit_names=unit_names,
        today=today if buffered is not None else None,
        support_buffer_until=buffer.support_until if buffered is not None and buffer else None,
    )


# -- the annual assessment ----------------------------------------------------------------------


def _cumulative(tid: str, year: int, first_year: int, by_year: Mapping[tuple[str, int], int]) -> int:
    return sum(by_year.get((tid, y), 0) for y in range(first_year, year + 1))


def _rate(done: int, planned: int) -> float | None:
    return round(done / planned, 4) if planned else None


def _overall(*rates: float | None) -> float | None:
    known = [min(r, 1.0) for r in rates if r is not None]
    return min(known) if known else None


def _assessment(
    persons_planned: int, persons_actual: int, villages: list[Figures], key: Figures, *,
    villages_planned: int, key_planned: int, bonus: int,
) -> Assessment:
    villages_exited = villages_planned - sum(len(f.outstanding) for f in villages)
    key_exited = key_planned - len(key.outstanding)
    rates = (_rate(persons_actual, persons_planned), _rate(villages_exited, villages_planned),
             _rate(key_exited, key_planned))
    overall = _overall(*rates)
    return Assessment(
        persons_planned=persons_planned, persons_actual=persons_actual, persons_rate=rates[0],
        villages_planned=villages_planned, villages_exited=villages_exited, villages_rate=rates[1],
        key_township_planned=key_planned, key_township_exited=key_exited, key_township_rate=rates[2],
        completion_rate=overall, completed=overall is None or overall >= 1.0, bonus_flags=bonus,
    )


def _county_assessment(items: list[Assessment]) -> Assessment:
    """Sums, except that the persons done count each township's exits only up to its own task."""
    persons_planned = sum(a.persons_planned for a in items)
    persons_done = sum(min(a.persons_actual, a.persons_planned) for a in items)
    villages_planned = sum(a.villages_planned for a in items)
    villages_exited = sum(a.villages_exited for a in items)
    key_planned = sum(a.key_township_planned for a in items)
    key_exited = sum(a.key_township_exited for a in items)
    rates = (_rate(persons_done, persons_planned), _rate(villages_exited, villages_planned), _rate(key_exited, key_planned))
    overall = _overall(*rates)
    return Assessment(
        persons_planned=persons_planned, persons_actual=sum(a.persons_actual for a in items), persons_rate=rates[0],
        villages_planned=villages_planned, villages_exited=villages_exited, villages_rate=rates[1],
        key_township_planned=key_planned, key_township_exited=key_exited, key_township_rate=rates[2],
        completion_rate=overall, completed=all(a.completed for a in items),
        bonus_flags=sum(a.bonus_flags for a in items),
    )


# -- the buffer period --------------------------------------------------------------------------


def _buffered(
    exited_now: Sequence[ExitedNow] | None, rule: BufferRule | None, today: date | None
) -> dict[str, BufferCounts] | None:
    if exited_now is None or rule is None or today is None:
        return None
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for unit in exited_now:
        if not in_buffer("exited", unit.exited_on, today, rule):
            continue
        c = counts[unit.township_id]
        if unit.unit_type == "household":
            c["households"] += 1
            c["persons"] += unit.persons
        elif unit.unit_type in ("village_poor", "village_hollow"):
            c["villages"] += 1
        elif unit.unit_type == "township":
            c["townships"] += 1
    return {tid: BufferCounts(**c) for tid, c in counts.items()}


def _sum_buffer(items: list[BufferCounts]) -> BufferCounts:
    return BufferCounts(
        households=sum(b.households for b in items), persons=sum(b.persons for b in items),
        villages=sum(b.villages for b in items), townships=sum(b.townships for b in items),
    )


def _persons(
    tid: str, year: int, first_year: int,
    planned: Mapping[tuple[str, int], int], actual: Mapping[tuple[str, int], int],
) -> Figures:
    shortfall = max(0, _cumulative(tid, year, first_year, planned) - _cumulative(tid, year, first_year, actual))
    return Figures(
        planned=planned.get((tid, year), 0), actual=actual.get((tid, year), 0),
        behind_plan=shortfall > 0, shortfall=shortfall,
    )


def _named(planned: list[tuple[str, int]], exits: Mapping[str, int], year: int) -> Figures:
    outstanding = tuple(
        uid for uid, planned_year in planned
        if planned_year <= year and not (uid in exits and exits[uid] <= year)
    )
    return Figures(
        planned=sum(1 for _, y in planned if y == year),
        actual=sum(1 for y in exits.values() if y == year),
        behind_plan=bool(outstanding), shortfall=len(outstanding), outstanding=outstanding,
    )


def _sum_persons(items: list[Figures]) -> Figures:
    shortfall = sum(f.shortfall for f in items)
    return Figures(
        planned=sum(f.planned for f in items), actual=sum(f.actual for f in items),
        behind_plan=shortfall > 0, shortfall=shortfall,
    )


def _sum_named(items: list[Figures]) -> Figures:
    outstanding = tuple(uid for f in items for uid in f.outstanding)
    return Figures(
        planned=sum(f.planned for f in items), actual=sum(f.actual for f in items),
        behind_plan=bool(outstanding), shortfall=len(outstanding), outstanding=outstanding,
    )


BONUS_KIND = "poor"  # 对提前退出的贫困村…给予加分奖励: 贫困村 only, not 空壳村


def _bonus_flags(plan: Plan, year: int, actual: ActualExits, villages: Mapping[str, VillageRef]) -> list[BonusFlag]:
    planned_year = {(v.kind, v.village_id): v.year for v in plan.village_targets}
    written = {v.village_id: v.village_as_written for v in plan.village_targets}
    flags: list[BonusFlag] = []
    for u in actual.units:
        kind = UNIT_TYPE_KIND.get(u.unit_type)
        if kind != BONUS_KIND or u.year != year:
            continue
        planned = planned_year.get((kind, u.unit_id))
        if planned is None or planned <= u.year:
            continue
        ref = villages.get(u.unit_id)
        flags.append(BonusFlag(
            village_id=u.unit_id, village_name=ref.name if ref else written.get(u.unit_id, u.unit_id),
            township_id=u.township_id, kind=kind, planned_year=planned, exit_year=u.year,  # type: ignore[arg-type]
            paired_department=ref.paired_department if ref else None,
            paired_department_source=ref.paired_department_source if ref else None,
        ))
    return sorted(flags, key=lambda f: (f.township_id, f.village_id, f.kind))
