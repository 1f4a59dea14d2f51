"""The plan tables (attachments 1–3 of 清委办〔2017〕25号) as data: ids that exist, totals that match,
and every stated total the rows do not bear out reported as (table, column, stated, computed)."""

import csv
import json
import shutil
from pathlib import Path

import pytest

from domain.plan import Plan, TotalMismatch, check_totals
from starters.plan_data import PlanDataError, load_plan

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
PLAN = DATA / "plan"


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _key(m: TotalMismatch) -> tuple:
    return (m.table, m.column, m.stated, m.computed)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(DATA)


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    shutil.copytree(PLAN, tmp_path / "plan")
    shutil.copytree(DATA / "qingliu", tmp_path / "qingliu")
    return tmp_path


# -- the real data ----------------------------------------------------------------------------


def test_every_attachment2_village_is_in_the_registry_data_in_its_township(plan: Plan) -> None:
    villages = {r["village_id"]: r for r in _csv(DATA / "qingliu" / "villages.csv")}
    assert len(plan.village_targets) == 17 + 12 + 14 + 11
    for target in plan.village_targets:
        row = villages[target.village_id]
        assert row["township_id"] == target.township_id
        assert row[f"{target.kind}_village"] == "true", target
        assert row["planned_exit_year"] == str(target.year), target
        assert row["synthetic"] == "false"
        # the name as written is the registry's name (戈 of "戈、供坊" is read as 戈坊)
        assert row["name"] == target.village_as_written or (target.village_as_written, row["name"]) == ("戈", "戈坊")


def test_townships_are_the_geography_ids_and_attachment3_matches_the_key_flags(plan: Plan) -> None:
    geography = json.loads((DATA / "qingliu" / "geography.json").read_text(encoding="utf-8"))
    townships = {t["id"]: t for t in geography["townships"]}
    assert {t.township_id for t in plan.household_targets} == set(townships)
    for t in plan.household_targets:
        assert townships[t.township_id]["short_name"] == t.township_as_written
    assert {k.township_id for k in plan.key_township_targets} == {i for i, t in townships.items() if t["is_key_township"]}
    assert [(k.year, k.township_as_written) for k in plan.key_township_targets] == [
        (2018, "林畲乡"), (2018, "里田乡"), (2019, "赖坊镇")]
    for k in plan.key_township_targets:
        assert townships[k.township_id]["name"] == k.township_as_written


def test_attachment1_agrees_with_the_demo_seed_targets(plan: Plan) -> None:
    seeded = {(r["township_id"], int(r["year"])): (int(r["persons"]), int(r["nationally_defined"]))
              for r in _csv(DATA / "qingliu" / "household_targets.csv")}
    for t in plan.household_targets:
        assert seeded[(t.township_id, t.year)] == (t.persons or 0, t.nationally_defined or 0)
    # empty cells stay empty: 嵩溪 2017 国定 and 2018 persons are blank in the table
    songxi = {t.year: t for t in plan.household_targets if t.township_id == "songxi"}
    assert songxi[2017].nationally_defined is None and songxi[2018].persons is None


def test_the_totals_that_match(plan: Plan) -> None:
    assert plan.computed("persons", 2017) == 1780
    assert plan.computed("nationally_defined", 2017) == 715
    assert [plan.computed(m, y) for y in (2017, 2018) for m in ("poor_villages", "hollow_villages")] == [17, 12, 14, 11]
    assert plan.computed("key_townships", 2018) == 2 and plan.computed("key_townships", 2019) == 1
    mismatched = {(m.table, m.measure, m.year) for m in check_totals(plan)}
    checked = {(s.table, s.measure, s.year) for s in plan.stated_totals}
    assert len(checked) == 15  # 7 合计 cells (attachments 1, 2) + 8 body-text figures
    for table, measure, year in checked:
        if (measure, year) != ("persons", 2018):
            assert ({"attachment1": "attachment 1", "attachment2": "attachment 2", "body": "body text"}[table],
                    measure, year) not in mismatched


def test_2018_persons_stated_86_rows_85_is_reported_not_fixed(plan: Plan) -> None:
    problems = check_totals(plan)
    assert sorted(_key(m) for m in problems) == [
        ("attachment 1", "2018 persons", 86, 85),
        ("body text", "2018 persons", 86, 85),
    ]
    table = next(m for m in problems if m.table == "attachment 1")
    assert table.message == "attachment 1, 2018 persons: stated 86, rows sum to 85"
    assert "合计" in table.written_as
    body = next(m for m in problems if m.table == "body text")
    assert body.message == "body text, 2018 persons: stated 86, attachment 1 rows sum to 85"
    assert "86人" in body.written_as
    # the data is kept as written: the stated 86 is still there, the rows still add to 85
    assert {(s.table, s.stated) for s in plan.stated_totals if (s.measure, s.year) == ("persons", 2018)} == {
        ("attachment1", 86), ("body", 86)}


# -- a copy with a deliberately wrong total in each table -------------------------------------


def test_a_wrong_total_in_each_table_is_reported(data_copy: Path) -> None:
    plan_dir = data_copy / "plan"
    # attachment 1: one row changed (龙津 2017 165 -> 166) and the 国定 合计 written as 705
    rows = _csv(plan_dir / "attachment1_household_exits.csv")
    rows[0]["persons_2017"] = "166"
    _write_csv(plan_dir / "attachment1_household_exits.csv", rows)
    stated = _csv(plan_dir / "stated_totals.csv")
    for row in stated:
        if (row["table"], row["measure"], row["year"]) == ("attachment1", "nationally_defined", "2017"):
            row["stated"] = "705"
        # attachment 2: the 2018 空壳村 合计 written as 12 instead of 11
        if (row["table"], row["measure"], row["year"]) == ("attachment2", "hollow_villages", "2018"):
            row["stated"] = "12"
        # body text: 18 poor villages in 2017 instead of 17
        if (row["table"], row["measure"], row["year"]) == ("body", "poor_villages", "2017"):
            row["stated"] = "18"
    _write_csv(plan_dir / "stated_totals.csv", stated)
    # attachment 3: 里田乡 left out of the 2018 list (the body text still says 2)
    key = [r for r in _csv(plan_dir / "attachment3_key_townships.csv") if r["township_id"] != "litian"]
    _write_csv(plan_dir / "attachment3_key_townships.csv", key)

    found = {_key(m) for m in check_totals(load_plan(data_copy))}
    assert found == {
        ("attachment 1", "2017 persons", 1780, 1781),
        ("body text", "2017 persons", 1780, 1781),
        ("attachment 1", "2017 persons of which 国定", 705, 715),
        ("attachment 1", "2018 persons", 86, 85),
        ("body text", "2018 persons", 86, 85),
        ("attachment 2", "2018 hollow villages (空壳村)", 12, 11),
        ("body text", "2017 poor villages (贫困村)", 18, 17),
        ("body text", "2018 key townships (重点乡)", 2, 1),
    }


def test_a_village_row_dropped_from_attachment2_is_reported_against_both_stated_totals(data_copy: Path) -> None:
    path = data_copy / "plan" / "attachment2_villages.csv"
    rows = [r for r in _csv(path) if not (r["village_id"] == "lingdi-guyang" and r["kind"] == "hollow")]
    _write_csv(path, rows)
    found = {_key(m) for m in check_totals(load_plan(data_copy))} - {
        ("attachment 1", "2018 persons", 86, 85), ("body text", "2018 persons", 86, 85)}
    assert found == {
        ("attachment 2", "2018 hollow villages (空壳村)", 11, 10),
        ("body text", "2018 hollow villages (空壳村)", 11, 10),
    }


def test_an_of_which_figure_larger_than_its_whole_is_reported(data_copy: Path) -> None:
    path = data_copy / "plan" / "attachment1_household_exits.csv"
    rows = _csv(path)
    wenjiao = next(r for r in rows if r["township_id"] == "wenjiao")
    wenjiao["nationally_defined_2017"] = "79"  # of 78 persons
    _write_csv(path, rows)
    problems = [m for m in check_totals(load_plan(data_copy)) if m.relation == "at_most"]
    assert [(m.table, m.column, m.stated, m.computed, m.township_id) for m in problems] == [
        ("attachment 1", "2017 persons of which 国定 (温郊)", 79, 78, "wenjiao")]


# -- malformed data is refused, with where ----------------------------------------------------


def test_an_unknown_village_is_refused(data_copy: Path) -> None:
    path = data_copy / "plan" / "attachment2_villages.csv"
    rows = _csv(path)
    rows[0]["village_id"] = "longjin-nowhere"
    _write_csv(path, rows)
    with pytest.raises(PlanDataError, match="unknown village 'longjin-nowhere'"):
        load_plan(data_copy)


def test_a_village_in_the_wrong_township_is_refused(data_copy: Path) -> None:
    path = data_copy / "plan" / "attachment2_villages.csv"
    rows = _csv(path)
    rows[0]["township_id"] = "songxi"
    _write_csv(path, rows)
    with pytest.raises(PlanDataError, match="lies in 'longjin', not 'songxi'"):
        load_plan(data_copy)


def test_a_cell_that_is_not_a_number_is_refused(data_copy: Path) -> None:
    path = data_copy / "plan" / "attachment1_household_exits.csv"
    rows = _csv(path)
    rows[2]["persons_2017"] = "五十一"
    _write_csv(path, rows)
    with pytest.raises(PlanDataError, match=r"line 4, persons_2017: '五十一' is not a whole number"):
        load_plan(data_copy)


def test_a_village_listed_twice_in_one_cell_is_refused(data_copy: Path) -> None:
    path = data_copy / "plan" / "attachment2_villages.csv"
    rows = _csv(path)
    _write_csv(path, rows + [rows[0]])
    with pytest.raises(PlanDataError, match="twice"):
        load_plan(data_copy)
