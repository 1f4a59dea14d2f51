"""The exit plan of 清委办〔2017〕25号 (attachments 1–3 and the body text's own figures) and the check
of every stated total against the rows. Pure: no I/O, no clock. The plan-versus-actual report built
on it is domain/plan_report.py.

The policy states its totals twice — in each table's 合计 row and in the body text (三（一）–（三）) —
and the rows do not always add up to them (attachment 1's 2018 persons: stated 86, rows 85). Neither
number is trusted silently: ``check_totals`` lists every disagreement and the report carries them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
UNIT_TYPE_KIND: dict[str, str] = {"village_poor": "poor", "village_hollow": "hollow"}

Count = Annotated[int, Field(ge=0)]
Year = Annotated[int, Field(ge=2000, le=2100)]
Id = Annotated[str, Field(min_length=1)]
Text = Annotated[str, Field(min_length=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- the plan ---------------------------------------------------------------------------------


class HouseholdTarget(_Frozen):
    """Attachment 1, one township and one year. ``None`` is a cell the table leaves empty."""

    township_id: Id
    township_as_written: Text
    year: Year
    persons: Count | None = None
    nationally_defined: Count | None = None  # 其中国定; only 2017 has this column


class VillageTarget(_Frozen):
    """Attachment 2, one village named in one cell (year × 贫困村/空壳村)."""

    township_id: Id
    year: Year
    kind: VillageKind
    village_id: Id
    village_as_written: Text
    note: str = ""


class KeyTownshipTarget(_Frozen):
    """Attachment 3, one township planned to exit as a city-level key township."""

    year: Year
    township_id: Id
    township_as_written: Text


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
