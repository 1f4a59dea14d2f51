"""Reads the plan tables (``data/plan/*.csv``, attachments 1–3 of 清委办〔2017〕25号 and the stated
totals) into domain/plan.py's models, and checks their ids against ``data/qingliu``.

Files (UTF-8 CSV with a header row):

* ``attachment1_household_exits.csv``: ``township_id, township_as_written`` and one column per
  figure and year, named ``persons_<year>`` or ``nationally_defined_<year>``; an empty cell is a
  cell the table leaves empty.
* ``attachment2_villages.csv``: ``township_id, year, kind (poor|hollow), village_id,
  village_as_written[, note]``, one row per village named in a cell.
* ``attachment3_key_townships.csv``: ``year, township_id, township_as_written``.
* ``stated_totals.csv``: ``table (attachment1|attachment2|body), measure, year, stated,
  written_as``: each 合计 cell and each figure of the body text, as written.

A malformed file or an unknown id raises ``PlanDataError``; a stated total that the rows do not
bear out is not an error here: ``domain.plan.check_totals`` reports it.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from domain.county import COUNTY_ID
from domain.plan import (
    HouseholdTarget,
    KeyTownshipTarget,
    Plan,
    StatedTotal,
    VillageTarget,
    reference_problems,
)

ATTACHMENT1 = "attachment1_household_exits.csv"
ATTACHMENT2 = "attachment2_villages.csv"
ATTACHMENT3 = "attachment3_key_townships.csv"
STATED_TOTALS = "stated_totals.csv"
_FIGURE_COLUMN = re.compile(r"^(persons|nationally_defined)_(\d{4})$")

M = TypeVar("M", bound=BaseModel)


class PlanDataError(ValueError):
    """A plan file is missing, malformed, or names a township or village the registry data lacks."""


def plan_dir(data_dir: Path) -> Path:
    """``data/`` (the repository's data directory) or ``data/plan`` itself."""
    data_dir = Path(data_dir)
    return data_dir / "plan" if (data_dir / "plan" / ATTACHMENT1).exists() else data_dir


def load_plan(data_dir: Path, check_references: bool = True) -> Plan:
    directory = plan_dir(data_dir)
    try:
        plan = Plan(
            household_targets=tuple(_attachment1(directory / ATTACHMENT1)),
            village_targets=tuple(_rows(directory / ATTACHMENT2, VillageTarget, _strip)),
            key_township_targets=tuple(_rows(directory / ATTACHMENT3, KeyTownshipTarget, _strip)),
            stated_totals=tuple(_rows(directory / STATED_TOTALS, StatedTotal, _strip)),
        )
    except ValidationError as exc:
        raise PlanDataError(f"{directory}: {_problems(exc)}") from None
    if check_references:
        reference = _reference_dir(Path(data_dir), directory)
        if reference is not None:
            townships, villages = load_reference(reference)
            problems = reference_problems(plan, townships, villages)
            if problems:
                raise PlanDataError(f"{directory}: " + "; ".join(problems))
    return plan


def load_reference(qingliu_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Township id -> name (geography.json) and village id -> township id (villages.csv)."""
    try:
        geography = json.loads((qingliu_dir / "geography.json").read_text(encoding="utf-8"))
        townships = {t["id"]: t["name"] for t in geography["townships"]}
        with (qingliu_dir / "villages.csv").open(encoding="utf-8", newline="") as fh:
            villages = {r["village_id"].strip(): r["township_id"].strip() for r in csv.DictReader(fh)}
    except (OSError, KeyError, ValueError) as exc:
        raise PlanDataError(f"cannot read the reference data under {qingliu_dir}: {exc}") from None
    return townships, villages


def _reference_dir(data_dir: Path, directory: Path) -> Path | None:
    for candidate in (data_dir / COUNTY_ID, directory.parent / COUNTY_ID):
        if (candidate / "geography.json").exists():
            return candidate
    return None


def _read(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = [(reader.line_num, row) for row in reader]
            return list(reader.fieldnames or []), rows
    except OSError as exc:
        raise PlanDataError(f"cannot read {path}: {exc}") from None


def _strip(row: dict[str, str]) -> dict[str, Any]:
    return {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}


def _rows(path: Path, model: type[M], prepare: Callable[[dict[str, str]], dict[str, Any]]) -> list[M]:
    _, rows = _read(path)
    out: list[M] = []
    for line, row in rows:
        values = prepare(row)
        if not any(values.values()):
            continue  # a blank line
        try:
            out.append(model(**{k: v for k, v in values.items() if not (k == "note" and v == "")}))
        except ValidationError as exc:
            raise PlanDataError(f"{path.name} line {line}: {_problems(exc)}") from None
    return out


def _attachment1(path: Path) -> list[HouseholdTarget]:
    header, rows = _read(path)
    figure_columns: dict[str, tuple[str, int]] = {}
    for name in header:
        match = _FIGURE_COLUMN.match(name.strip())
        if match:
            figure_columns[name] = (match.group(1), int(match.group(2)))
        elif name.strip() not in ("township_id", "township_as_written"):
            raise PlanDataError(f"{path.name}: unexpected column {name!r}")
    years = sorted({year for _, year in figure_columns.values()})
    out: list[HouseholdTarget] = []
    for line, row in rows:
        values = _strip(row)
        if not any(values.values()):
            continue
        for year in years:
            cells: dict[str, int | None] = {}
            for column, (measure, column_year) in figure_columns.items():
                if column_year == year:
                    cells[measure] = _cell(path, line, column, values.get(column.strip(), ""))
            try:
                out.append(HouseholdTarget(
                    township_id=values.get("township_id", ""),
                    township_as_written=values.get("township_as_written", ""),
                    year=year, **cells,
                ))
            except ValidationError as exc:
                raise PlanDataError(f"{path.name} line {line}: {_problems(exc)}") from None
    return out


def _cell(path: Path, line: int, column: str, text: str) -> int | None:
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise PlanDataError(f"{path.name} line {line}, {column}: {text!r} is not a whole number") from None


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors())
