"""The exit plan of 清委办〔2017〕25号 (attachments 1–3 and the body text's own figures), the check
of every stated total against the rows, and the plan-versus-actual report. Pure: no I/O, no clock.

The policy states its totals twice — in each table's 合计 row and in the body text (三（一）–（三）) —
and the rows do not always add up to them (attachment 1's 2018 persons: stated 86, rows 85). Neither
number is trusted silently: ``check_totals`` lists every disagreement and the report carries them.

Report semantics for a year Y (per township and for the county):

* ``planned`` / ``actual``: the plan's figure for Y and the exits recorded in the registry for Y.
* persons: ``behind_plan`` when the exits of the plan's years up to Y fall short of the persons
  planned for those years (an early exit in Y-1 counts towards Y's task); ``shortfall`` is the gap.
* villages (贫困村, 空壳村) and key townships (重点乡): the plan names them, so ``outstanding`` lists
  every unit planned for Y or earlier that has not exited by the end of Y; ``behind_plan`` when any.
* early-exit bonus (正向激励: 对提前退出的贫困村和挂包的县直部门…给予加分奖励): a village that exits in
  Y while the plan lists it for a later year, for the kind it exits as, flags its paired county
  department (挂包的县直部门).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

TableId = Literal["attachment1", "attachment2", "attachment3", "body"]
Measure = Literal["persons", "nationally_defined", "poor_villages", "hollow_villages", "key_townships"]
VillageKind = Literal["poor", "hollow"]
ExitUnitType = Literal["village_poor", "village_hollow", "township"]

TABLE_LABELS: dict[str, str] = {
    "attachment1": "attachment 1",
    "attachment2": "attachment 2",
    "attachment3": "attachment 3",
    "body": "body text",
}
MEASURE_LABELS: dict[str, str] = {
    "persons": "persons",
    "nationally_defined": "persons of which 国定",
    "poor_villages": "poor villages (贫困村)",
    "hollow_villages": "hollow villages (空壳村)",
    "key_townships": "key townships (重点乡)",
}
# Which attachment's rows a measure is computed from.
MEASURE_TABLE: dict[str, str] = {
    "persons": "attachment1",
    "nationally_defined": "attachment1",
    "poor_villages": "attachment2",
    "hollow_villages": "attachment2",
    "key_townships": "attachment3",
}
KIND_MEASURE: dict[str, str] = {"poor": "poor_villages", "hollow": "hollow_villages"}
UNIT_TYPE_KIND: dict[str, str] = {"village_poor": "poor", "village_hollow": "hollow"}

Count = Annotated[int, Field(ge=0)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- the plan ---------------------------------------------------------------------------------


class HouseholdTarget(_Frozen):
    """Attachment 1, one township and one year. ``None`` is a cell the table leaves empty."""

    township_id: str
    township_as_written: str
    year: Year
    persons: Count | None = None
    nationally_defined: Count | None = None  # 其中国定; only 2017 has this column


class VillageTarget(_Frozen):
    """Attachment 2, one village named in one cell (year × 贫困村/空壳村)."""

    township_id: str
    year: Year
    kind: VillageKind
    village_id: str
    village_as_written: str
    note: str = ""


class KeyTownshipTarget(_Frozen):
    """Attachment 3, one township planned to exit as a city-level key township."""

    year: Year
    township_id: str
    township_as_written: str


class StatedTotal(_Frozen):
    """A total the policy writes down (a table's 合计 cell or a figure of the body text)."""

    table: TableId
    measure: Measure
    year: Year
    stated: Count
    written_as: str = ""

    @model_validator(mode="after")
    def _measure_fits_table(self) -> StatedTotal:
        if self.table != "body" and MEASURE_TABLE[self.measure] != self.table:
            raise ValueError(f"{TABLE_LABELS[self.table]} has no {self.measure} column")
        return self


class Plan(_Frozen):
    household_targets: tuple[HouseholdTarget, ...]
    village_targets: tuple[VillageTarget, ...]
    key_township_targets: tuple[KeyTownshipTarget, ...]
    stated_totals: tuple[StatedTotal, ...]

    @model_validator(mode="after")
    def _no_duplicates(self) -> Plan:
        _unique(((t.township_id, t.year) for t in self.household_targets), "attachment 1 lists township/year")
        _unique(((v.year, v.kind, v.village_id) for v in self.village_targets), "attachment 2 lists year/kind/village")
        _unique(((k.year, k.township_id) for k in self.key_township_targets), "attachment 3 lists year/township")
        _unique(((s.table, s.measure, s.year) for s in self.stated_totals), "stated totals list table/measure/year")
        return self

    def township_order(self) -> list[str]:
        """Townships in the order the attachments list them (attachment 1 first)."""
        seen: dict[str, None] = {}
        for tid in (
            *(t.township_id for t in self.household_targets),
            *(v.township_id for v in self.village_targets),
            *(k.township_id for k in self.key_township_targets),
        ):
            seen.setdefault(tid, None)
        return list(seen)

    def years(self) -> list[int]:
        return sorted(
            {t.year for t in self.household_targets}
            | {v.year for v in self.village_targets}
            | {k.year for k in self.key_township_targets}
        )

    def computed(self, measure: str, year: int) -> int:
        """The figure the rows give for a measure and year (empty cells count as 0)."""
        if measure == "persons":
            return sum(t.persons or 0 for t in self.household_targets if t.year == year)
        if measure == "nationally_defined":
            return sum(t.nationally_defined or 0 for t in self.household_targets if t.year == year)
        if measure in ("poor_villages", "hollow_villages"):
            kind = "poor" if measure == "poor_villages" else "hollow"
            return sum(1 for v in self.village_targets if v.year == year and v.kind == kind)
        if measure == "key_townships":
            return sum(1 for k in self.key_township_targets if k.year == year)
        raise ValueError(f"unknown measure {measure!r}")


def _unique(keys: Iterable[tuple], what: str) -> None:
    seen: set[tuple] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{what} {'/'.join(map(str, key))} twice")
        seen.add(key)


# -- checking the stated totals ---------------------------------------------------------------


class TotalMismatch(_Frozen):
    """A stated figure the rows do not bear out.

    ``relation`` "equal": a stated total (合计 or body text) differs from the rows' sum or count.
    ``relation`` "at_most": an "of which" figure (其中国定) exceeds the figure it is part of.
    """

    table: str  # "attachment 1", "body text", ...
    column: str  # "2018 persons", "2017 poor villages (贫困村)", "2017 persons of which 国定 (龙津)"
    stated: int
    computed: int
    measure: Measure
    year: int
    relation: Literal["equal", "at_most"] = "equal"
    township_id: str | None = None
    written_as: str = ""

    @property
    def message(self) -> str:
        if self.relation == "at_most":
            return f"{self.table}, {self.column}: stated {self.stated}, more than the {self.computed} persons it is part of"
        source = "rows" if self.table == TABLE_LABELS[MEASURE_TABLE[self.measure]] else (
            f"{TABLE_LABELS[MEASURE_TABLE[self.measure]]} rows"
        )
        verb = "sum to" if self.measure in ("persons", "nationally_defined") else "list"
        return f"{self.table}, {self.column}: stated {self.stated}, {source} {verb} {self.computed}"

    def document(self) -> dict[str, object]:
        return {**self.model_dump(mode="json"), "message": self.message}


def column_label(measure: str, year: int) -> str:
    return f"{year} {MEASURE_LABELS[measure]}"


def check_totals(plan: Plan) -> list[TotalMismatch]:
    """Every stated total against the rows, and every "of which" figure against its whole."""
    problems: list[TotalMismatch] = []
    for stated in plan.stated_totals:
        computed = plan.computed(stated.measure, stated.year)
        if computed != stated.stated:
            problems.append(TotalMismatch(
                table=TABLE_LABELS[stated.table], column=column_label(stated.measure, stated.year),
                stated=stated.stated, computed=computed, measure=stated.measure, year=stated.year,
                written_as=stated.written_as,
            ))
    for row in plan.household_targets:
        if row.nationally_defined and row.nationally_defined > (row.persons or 0):
            problems.append(TotalMismatch(
                table=TABLE_LABELS["attachment1"],
                column=f"{column_label('nationally_defined', row.year)} ({row.township_as_written})",
                stated=row.nationally_defined, computed=row.persons or 0, measure="nationally_defined",
                year=row.year, relation="at_most", township_id=row.township_id,
            ))
    stated_by_key = {(s.table, s.measure, s.year): s.stated for s in plan.stated_totals}
    for (table, measure, year), of_which in stated_by_key.items():
        whole = stated_by_key.get((table, "persons", year))
        if measure == "nationally_defined" and whole is not None and of_which > whole:
            problems.append(TotalMismatch(
                table=TABLE_LABELS[table], column=f"{column_label(measure, year)} (合计)",
                stated=of_which, computed=whole, measure=measure, year=year, relation="at_most",
            ))
    return problems


def reference_problems(plan: Plan, townships: Mapping[str, str], villages: Mapping[str, str]) -> list[str]:
    """Ids the plan uses that the reference data does not know. ``townships``: id -> name;
    ``villages``: village id -> its township id."""
    problems: list[str] = []
    for label, tids in (
        ("attachment 1", [t.township_id for t in plan.household_targets]),
        ("attachment 2", [v.township_id for v in plan.village_targets]),
        ("attachment 3", [k.township_id for k in plan.key_township_targets]),
    ):
        problems += [f"{label}: unknown township {tid!r}" for tid in dict.fromkeys(tids) if tid not in townships]
    for v in plan.village_targets:
        if v.village_id not in villages:
            problems.append(f"attachment 2: unknown village {v.village_id!r} ({v.village_as_written})")
        elif villages[v.village_id] != v.township_id:
            problems.append(
                f"attachment 2: village {v.village_id!r} lies in {villages[v.village_id]!r}, not {v.township_id!r}"
            )
    return problems


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


class TownshipRef(_Frozen):
    township_id: str
    name: str


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


class TownshipReport(_Frozen):
    township_id: str
    name: str
    persons: Figures
    poor_villages: Figures
    hollow_villages: Figures
    key_township: Figures
    behind_plan: tuple[str, ...]  # the measures behind plan
    bonus_flags: tuple[BonusFlag, ...]


class CountyTotals(_Frozen):
    persons: Figures
    poor_villages: Figures
    hollow_villages: Figures
    key_townships: Figures
    behind_plan: tuple[str, ...]
    stated: dict[str, dict[str, int]]  # measure -> {table: stated figure for the year}


class PlanReport(_Frozen):
    year: int
    plan_years: tuple[int, ...]
    townships: tuple[TownshipReport, ...]
    totals: CountyTotals
    bonus_flags: tuple[BonusFlag, ...]
    mismatches: tuple[TotalMismatch, ...]

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
) -> PlanReport:
    """Planned against actual exits for ``year``, per township (every township of the plan and of
    ``townships``) and for the county, with behind-plan flags, early-exit bonus flags and mismatches."""
    first_year = min(plan.years(), default=year)
    names = {t.township_id: t.name for t in townships}
    for t in plan.household_targets:
        names.setdefault(t.township_id, t.township_as_written)
    for k in plan.key_township_targets:
        names.setdefault(k.township_id, k.township_as_written)
    order = plan.township_order() + sorted(t.township_id for t in townships if t.township_id not in plan.township_order())
    village_info = {v.village_id: v for v in villages}

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
        rows.append(TownshipReport(
            township_id=tid, name=names.get(tid, tid), **figures,
            behind_plan=tuple(m for m in MEASURES if figures[m].behind_plan),
            bonus_flags=tuple(b for b in bonus if b.township_id == tid),
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
        ),
        bonus_flags=tuple(bonus),
        mismatches=tuple(check_totals(plan)),
    )


def _persons(
    tid: str, year: int, first_year: int,
    planned: Mapping[tuple[str, int], int], actual: Mapping[tuple[str, int], int],
) -> Figures:
    cumulative_planned = sum(planned.get((tid, y), 0) for y in range(first_year, year + 1))
    cumulative_actual = sum(actual.get((tid, y), 0) for y in range(first_year, year + 1))
    shortfall = max(0, cumulative_planned - cumulative_actual)
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


def _bonus_flags(plan: Plan, year: int, actual: ActualExits, villages: Mapping[str, VillageRef]) -> list[BonusFlag]:
    planned_year = {(v.kind, v.village_id): v.year for v in plan.village_targets}
    written = {v.village_id: v.village_as_written for v in plan.village_targets}
    flags: list[BonusFlag] = []
    for u in actual.units:
        kind = UNIT_TYPE_KIND.get(u.unit_type)
        if kind is None or u.year != year:
            continue
        planned = planned_year.get((kind, u.unit_id))
        if planned is None or planned <= u.year:
            continue
        ref = villages.get(u.unit_id)
        flags.append(BonusFlag(
            village_id=u.unit_id, village_name=ref.name if ref else written.get(u.unit_id, u.unit_id),
            township_id=u.township_id, kind=kind, planned_year=planned, exit_year=u.year,  # type: ignore[arg-type]
            paired_department=ref.paired_department if ref else None,
        ))
    return sorted(flags, key=lambda f: (f.township_id, f.village_id, f.kind))
