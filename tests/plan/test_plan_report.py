"""`tuopin plan report`: the plan against the exits of a demo registry (seeded, then a few households
and villages marked exited), behind-plan flags, the early-exit bonus, JSON and the HTML page."""

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from activities.registry.demo_seed import seed_demo
from activities.registry.plan_queries import read_plan_facts
from activities.registry.schema import Household, StatusChange, Village
from activities.registry.store import RegistryStore
from domain.plan_report import ActualExits, PlanReport, TownshipRef, UnitExit, VillageRef, build_report
from starters.plan_commands import plan
from starters.plan_data import load_plan
from starters.plan_html import render_html

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
DEPARTMENT = "县财政局"
AT = datetime(2017, 11, 20, 2, 0, tzinfo=timezone.utc)


def _village_exit(s, unit_type: str, village_id: str, year: int, case: str, to_status: str = "exited",
                  at: datetime = AT) -> None:
    s.add(StatusChange(case_id=case, unit_type=unit_type, unit_id=village_id, year=year,
                       from_status="poor" if to_status == "exited" else "exited", to_status=to_status, at=at))


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("plan-home")
    url = f"sqlite:///{home / 'registry.db'}"
    store = RegistryStore.from_url(url)
    seed_demo(store, DATA)
    exited: dict[str, int] = {}
    with store.session() as s:
        # 林畲: every household planned for 2017 exits in 2017 (51 persons: the plan met exactly)
        # 长校: three households planned for 2017 exit in 2017 (behind plan)
        for township, limit in (("linshe", None), ("changxiao", 3)):
            households = s.scalars(
                select(Household).join(Village, Village.id == Household.village_id)
                .where(Village.township_id == township, Household.planned_exit_year == 2017)
                .order_by(Household.id)
            ).all()[:limit]
            for h in households:
                h.status, h.exited_year, h.exited_case_id, h.exited_at = "exited", 2017, f"household-exit/{h.id}/2017", AT
                s.add(StatusChange(case_id=h.exited_case_id, unit_type="household", unit_id=h.id, year=2017,
                                   from_status="poor", to_status="exited", at=AT))
            exited[township] = sum(h.members for h in households)
        # 李家: two households planned for 2017 exit in 2017; a spot check finds the first exit false (虚假脱贫)
        # and reverses it, so it does not count; the second returns to poverty later (返贫), and its 2017 exit
        # still counts for 2017
        false_exit, returned = s.scalars(
            select(Household).join(Village, Village.id == Household.village_id)
            .where(Village.township_id == "lijia", Household.planned_exit_year == 2017).order_by(Household.id)
        ).all()[:2]
        for h, case in ((false_exit, "spot-check/qingliu/2017/7"), (returned, f"reentry/{returned.id}/1")):
            s.add(StatusChange(case_id=f"household-exit/{h.id}/2017", unit_type="household", unit_id=h.id, year=2017,
                               from_status="poor", to_status="exited", at=AT))
            s.flush()
            s.add(StatusChange(case_id=case, unit_type="household", unit_id=h.id, year=2017,
                               from_status="exited", to_status="poor", at=datetime(2018, 3, 1, tzinfo=timezone.utc)))
            s.flush()
        exited["lijia"] = returned.members
        # 沙坪 (长校) is planned for 2018 and exits as a 贫困村 in 2017: a year early
        shaping = s.get(Village, "changxiao-shaping")
        shaping.paired_department, shaping.poor_status = DEPARTMENT, "exited"
        shaping.poor_exited_case_id = "village-exit/changxiao-shaping/poor/2017"
        _village_exit(s, "village_poor", "changxiao-shaping", 2017, "village-exit/changxiao-shaping/poor/2017")
        # 河排 (长校) exits on time in 2017: no bonus
        s.get(Village, "changxiao-hepai").paired_department = "县教育局"
        _village_exit(s, "village_poor", "changxiao-hepai", 2017, "village-exit/changxiao-hepai/poor/2017")
        # 长灌 (李家) exited in 2017, then a spot check reversed it: it no longer counts
        _village_exit(s, "village_poor", "lijia-changguan", 2017, "village-exit/lijia-changguan/poor/2017")
        _village_exit(s, "village_poor", "lijia-changguan", 2017, "spot-check/lijia-changguan/2018",
                      to_status="poor", at=datetime(2018, 3, 1, tzinfo=timezone.utc))
        # 林畲乡 exits as a key township in 2018, as planned
        s.add(StatusChange(case_id="township-exit/linshe/2018", unit_type="township", unit_id="linshe", year=2018,
                           from_status="poor", to_status="exited", at=datetime(2018, 12, 1, tzinfo=timezone.utc)))
    store.engine.dispose()
    return {"home": home, "url": url, "exited": exited}


@pytest.fixture(scope="module")
def report_2017(registry: dict) -> PlanReport:
    store = RegistryStore.from_url(registry["url"])
    facts = read_plan_facts(store)
    store.engine.dispose()
    return build_report(load_plan(DATA), 2017, facts.actual, facts.villages, facts.townships)


def _row(report: PlanReport, township_id: str):
    return next(t for t in report.townships if t.township_id == township_id)


def _invoke(registry: dict, *args: str, env: dict | None = None):
    return CliRunner().invoke(plan, ["report", *args, "--registry-url", registry["url"]],
                              env={"TUOPIN_DATA_DIR": str(DATA), **(env or {})})


# -- the computation --------------------------------------------------------------------------


def test_actual_counts_and_behind_plan(report_2017: PlanReport, registry: dict) -> None:
    assert [t.township_id for t in report_2017.townships][:3] == ["longjin", "songxi", "linshe"]
    assert len(report_2017.townships) == 13

    linshe = _row(report_2017, "linshe")
    assert (linshe.persons.planned, linshe.persons.actual) == (51, 51) == (51, registry["exited"]["linshe"])
    assert not linshe.persons.behind_plan
    assert linshe.name == "林畲乡"

    changxiao = _row(report_2017, "changxiao")
    assert changxiao.persons.planned == 120
    assert changxiao.persons.actual == registry["exited"]["changxiao"] > 0
    assert changxiao.persons.behind_plan and changxiao.persons.shortfall == 120 - registry["exited"]["changxiao"]
    # 河排 on time and 沙坪 early: two poor villages exited in 2017, 河排 was the one planned
    assert (changxiao.poor_villages.planned, changxiao.poor_villages.actual) == (1, 2)
    assert not changxiao.poor_villages.behind_plan and changxiao.poor_villages.outstanding == ()
    assert changxiao.behind_plan == ("persons",)

    lijia = _row(report_2017, "lijia")  # the reversed exit does not count
    assert (lijia.poor_villages.actual, lijia.poor_villages.outstanding) == (0, ("lijia-changguan",))
    assert "poor_villages" in lijia.behind_plan

    totals = report_2017.totals
    assert totals.persons.planned == 1780
    assert totals.persons.actual == sum(registry["exited"].values())
    assert (totals.poor_villages.planned, totals.poor_villages.actual, totals.poor_villages.shortfall) == (17, 2, 16)
    assert totals.stated["persons"] == {"attachment1": 1780, "body": 1780}


def test_a_village_exiting_a_year_early_earns_its_paired_department_a_bonus_flag(report_2017: PlanReport) -> None:
    assert [(b.village_id, b.village_name, b.kind, b.planned_year, b.exit_year, b.paired_department)
            for b in report_2017.bonus_flags] == [
        ("changxiao-shaping", "沙坪", "poor", 2018, 2017, "县财政局")]
    assert _row(report_2017, "changxiao").bonus_flags == report_2017.bonus_flags
    assert _row(report_2017, "lijia").bonus_flags == ()


def test_2018_counts_the_early_exit_as_done_and_the_key_township(registry: dict) -> None:
    store = RegistryStore.from_url(registry["url"])
    facts = read_plan_facts(store)
    store.engine.dispose()
    report = build_report(load_plan(DATA), 2018, facts.actual, facts.villages, facts.townships)
    changxiao = _row(report, "changxiao")
    # 沙坪 was planned for 2018 and is already out; 河排 too: nothing outstanding, nothing exited in 2018
    assert (changxiao.poor_villages.planned, changxiao.poor_villages.actual) == (1, 0)
    assert not changxiao.poor_villages.behind_plan
    assert report.bonus_flags == ()  # the bonus belongs to the year of the early exit
    linshe, litian = _row(report, "linshe"), _row(report, "litian")
    assert (linshe.key_township.planned, linshe.key_township.actual, linshe.key_township.behind_plan) == (1, 1, False)
    assert (litian.key_township.planned, litian.key_township.actual, litian.key_township.outstanding) == (1, 0, ("litian",))
    # 林畲's 2018 persons: none planned, none exited, and 2017's 51 are done
    assert (linshe.persons.planned, linshe.persons.actual, linshe.persons.behind_plan) == (0, 0, False)
    assert report.totals.persons.planned == 85 and report.totals.stated["persons"] == {"attachment1": 86, "body": 86}
    assert {(m.table, m.column, m.stated, m.computed) for m in report.mismatches} == {
        ("attachment 1", "2018 persons", 86, 85), ("body text", "2018 persons", 86, 85)}


def test_a_false_exit_does_not_count_and_a_return_to_poverty_still_does(report_2017: PlanReport, registry: dict) -> None:
    lijia = _row(report_2017, "lijia")
    assert lijia.persons.actual == registry["exited"]["lijia"] > 0
    assert lijia.assessment.persons_actual == registry["exited"]["lijia"]


def test_the_annual_assessment_of_each_township(report_2017: PlanReport, registry: dict) -> None:
    linshe = _row(report_2017, "linshe").assessment
    # persons done, but none of its three villages named for 2017 (石下 as both kinds, 孙坊) has exited
    assert (linshe.persons_actual, linshe.persons_planned, linshe.persons_rate) == (51, 51, 1.0)
    assert (linshe.villages_exited, linshe.villages_planned, linshe.villages_rate) == (0, 3, 0.0)
    assert (linshe.key_township_planned, linshe.key_township_rate) == (0, None)  # 林畲乡 is planned for 2018
    assert (linshe.completion_rate, linshe.completed) == (0.0, False)
    changxiao = _row(report_2017, "changxiao").assessment
    done = registry["exited"]["changxiao"]
    assert (changxiao.persons_actual, changxiao.persons_planned) == (done, 120)
    assert changxiao.persons_rate == round(done / 120, 4)
    assert (changxiao.villages_exited, changxiao.villages_planned, changxiao.villages_rate) == (1, 1, 1.0)
    assert changxiao.completion_rate == changxiao.persons_rate and not changxiao.completed
    assert changxiao.bonus_flags == 1  # 沙坪, a year early
    county = report_2017.totals.assessment
    assert county.persons_planned == 1780 and not county.completed and county.bonus_flags == 1


def _tiny_plan():
    from domain.plan import HouseholdTarget, KeyTownshipTarget, Plan, VillageTarget

    return Plan(
        household_targets=(
            HouseholdTarget(township_id="t1", township_as_written="一", year=2017, persons=10),
            HouseholdTarget(township_id="t1", township_as_written="一", year=2018, persons=5),
            HouseholdTarget(township_id="t2", township_as_written="二", year=2017, persons=4),
        ),
        village_targets=(
            VillageTarget(township_id="t1", year=2017, kind="poor", village_id="v1", village_as_written="甲"),
            VillageTarget(township_id="t1", year=2018, kind="hollow", village_id="v2", village_as_written="乙"),
        ),
        key_township_targets=(KeyTownshipTarget(year=2018, township_id="t1", township_as_written="一"),),
        stated_totals=(),
    )


def test_the_assessment_rate_is_the_lowest_measure_capped_and_early_exits_count() -> None:
    from domain.plan_report import HouseholdExitTally

    actual = ActualExits(
        households=(HouseholdExitTally(township_id="t1", year=2017, households=4, persons=12),
                    HouseholdExitTally(township_id="t2", year=2017, households=1, persons=2)),
        units=(UnitExit(unit_type="village_poor", unit_id="v1", township_id="t1", year=2017),
               UnitExit(unit_type="village_hollow", unit_id="v2", township_id="t1", year=2017)),  # a year early
    )
    report = build_report(_tiny_plan(), 2017, actual)
    t1, t2 = (_row(report, t).assessment for t in ("t1", "t2"))
    assert (t1.persons_rate, t1.villages_exited, t1.villages_planned, t1.completion_rate, t1.completed) == (1.2, 1, 1, 1.0, True)
    assert t1.bonus_flags == 0  # v2 exits early as a 空壳村: the bonus is for 贫困村 (tests/plan/test_bonus_flags.py)
    assert (t2.persons_rate, t2.completion_rate, t2.completed) == (0.5, 0.5, False)
    # the county: t1's two extra persons do not make up for t2's gap
    county = report.totals.assessment
    assert (county.persons_actual, county.persons_planned, county.persons_rate) == (14, 14, round(12 / 14, 4))
    assert not county.completed
    later = build_report(_tiny_plan(), 2018, actual)
    t1 = _row(later, "t1").assessment  # 12 of 15 persons to date; the key township not out
    assert (t1.persons_rate, t1.villages_rate, t1.key_township_rate, t1.completion_rate, t1.completed) == (
        0.8, 1.0, 0.0, 0.0, False)


def test_units_in_their_buffer_period_depend_on_the_day() -> None:
    from datetime import date

    from domain.buffer import BufferRule
    from domain.plan_report import ExitedNow

    exited = [
        ExitedNow(unit_type="household", unit_id="h1", township_id="t1", exited_on=date(2017, 11, 20), persons=3),
        ExitedNow(unit_type="household", unit_id="h2", township_id="t1", exited_on=date(2018, 11, 20), persons=4),
        ExitedNow(unit_type="village_poor", unit_id="v1", township_id="t1", exited_on=date(2017, 12, 1)),
    ]
    rule = BufferRule()
    during = build_report(_tiny_plan(), 2017, ActualExits(), exited_now=exited, buffer=rule, today=date(2018, 6, 1))
    assert _row(during, "t1").in_buffer.model_dump() == {"households": 1, "persons": 3, "villages": 1, "townships": 0}
    assert during.totals.in_buffer.households == 1 and during.support_buffer_until == date(2020, 12, 31)
    last_day = build_report(_tiny_plan(), 2017, ActualExits(), exited_now=exited, buffer=rule, today=date(2020, 12, 31))
    assert _row(last_day, "t1").in_buffer.households == 2
    after = build_report(_tiny_plan(), 2017, ActualExits(), exited_now=exited, buffer=rule, today=date(2021, 1, 1))
    assert after.totals.in_buffer.model_dump() == {"households": 0, "persons": 0, "villages": 0, "townships": 0}
    longer = BufferRule(support_until=date(2025, 12, 31))  # lengthened by configuration
    assert build_report(_tiny_plan(), 2017, ActualExits(), exited_now=exited, buffer=longer,
                        today=date(2021, 1, 1)).totals.in_buffer.households == 2
    with pytest.raises(ValueError, match="never shortened"):
        BufferRule(support_until=date(2020, 6, 30))


# -- the command ------------------------------------------------------------------------------


def test_text_output(registry: dict) -> None:
    result = _invoke(registry, "--year", "2017")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert re.search(r"^长校镇 \(changxiao\)\s+120/\d+ ▼\s+1/2\s", out, re.M)
    assert re.search(r"^林畲乡 \(linshe\)\s+51/51\s", out, re.M)
    assert "沙坪 (changxiao-shaping, poor village): planned 2018, exited 2017 → 县财政局" in out
    assert "李家乡 (lijia), poor villages (贫困村): not exited: 长灌" in out
    assert "  attachment 1, 2018 persons: stated 86, rows sum to 85" in out
    assert "  body text, 2018 persons: stated 86, attachment 1 rows sum to 85" in out
    assert "annual assessment to the end of 2017" in out
    assert re.search(r"^  林畲乡 \(linshe\): persons 51/51 \(100\.0%\), villages 0/3 \(0\.0%\), key township -; "
                     r"completed no, rate 0\.0%$", out, re.M)
    assert re.search(r"^  长校镇 \(changxiao\): .*villages 1/1 \(100\.0%\).*early-exit bonus flags 1$", out, re.M)


def test_text_shows_the_units_in_their_buffer_period(registry: dict) -> None:
    during = _invoke(registry, "--year", "2017", "--today", "2018-01-15")
    assert during.exit_code == 0, during.output
    assert "in their buffer period on 2018-01-15 (摘帽不摘政策: support kept until 2020-12-31):" in during.stdout
    doc = json.loads(_invoke(registry, "--year", "2017", "--today", "2018-01-15", "--json").stdout)
    buffered = {t["township_id"]: t["in_buffer"] for t in doc["townships"]}
    assert buffered["changxiao"] == {"households": 3, "persons": registry["exited"]["changxiao"], "villages": 1,
                                     "townships": 0}  # three households and 沙坪; 河排's row marks no exit
    assert buffered["linshe"]["persons"] == 51
    assert buffered["lijia"]["households"] == 0  # both back to poor: full support, not a buffer
    assert doc["totals"]["in_buffer"]["households"] == buffered["linshe"]["households"] + 3
    assert doc["townships"][0]["assessment"]["completed"] is False and doc["totals"]["assessment"]["persons_planned"] == 1780
    after = json.loads(_invoke(registry, "--year", "2017", "--today", "2021-01-01", "--json").stdout)
    assert after["totals"]["in_buffer"] == {"households": 0, "persons": 0, "villages": 0, "townships": 0}


def test_json_output(registry: dict) -> None:
    result = _invoke(registry, "--year", "2017", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["year"] == 2017
    changxiao = next(t for t in doc["townships"] if t["township_id"] == "changxiao")
    assert changxiao["persons"]["planned"] == 120 and changxiao["persons"]["behind_plan"] is True
    assert changxiao["poor_villages"] == {"planned": 1, "actual": 2, "behind_plan": False, "shortfall": 0,
                                          "outstanding": []}
    assert changxiao["bonus_flags"][0]["paired_department"] == DEPARTMENT
    assert doc["bonus_flags"][0]["village_id"] == "changxiao-shaping"
    assert [(m["table"], m["column"], m["stated"], m["computed"]) for m in doc["mismatches"]] == [
        ("attachment 1", "2018 persons", 86, 85), ("body text", "2018 persons", 86, 85)]
    assert doc["mismatches"][0]["message"] == "attachment 1, 2018 persons: stated 86, rows sum to 85"


def test_html_file_is_one_self_contained_page(registry: dict, tmp_path: Path) -> None:
    out = tmp_path / "plan-2017.html"
    result = _invoke(registry, "--year", "2017", "--html", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<svg" in page and "<rect" in page and "<style>" in page
    lowered = page.lower()
    for forbidden in ("http", "<script", "<link", "<img", "<iframe", "@import", "url("):
        assert forbidden not in lowered, forbidden
    geography = json.loads((DATA / "qingliu" / "geography.json").read_text(encoding="utf-8"))
    for township in geography["townships"]:
        assert township["name"] in page and township["id"] in page
    assert DEPARTMENT in page
    assert "attachment 1, 2018 persons: stated 86, rows sum to 85" in page


def test_html_escapes_all_text() -> None:
    sneaky = VillageRef(village_id="changxiao-shaping", name="沙坪<script>", township_id="changxiao",
                        paired_department='县财政局 & "<b>扶贫</b>"')
    early = ActualExits(units=(UnitExit(unit_type="village_poor", unit_id="changxiao-shaping",
                                        township_id="changxiao", year=2017),))
    towns = [TownshipRef(township_id="changxiao", name="长校镇</td><svg onload=x>")]
    page = render_html(build_report(load_plan(DATA), 2017, early, [sneaky], towns))
    assert "<script" not in page and "<b>" not in page and "onload=x>" not in page
    assert "沙坪&lt;script&gt;" in page and "县财政局 &amp; &quot;&lt;b&gt;扶贫&lt;/b&gt;&quot;" in page
    assert "长校镇&lt;/td&gt;&lt;svg onload=x&gt;" in page


def test_the_figures_on_the_data_dir_the_settings_name(registry: dict, tmp_path: Path) -> None:
    """TUOPIN_DATA_DIR points the command at another copy of the plan: its mismatches are reported."""
    import shutil

    shutil.copytree(DATA / "plan", tmp_path / "plan")
    shutil.copytree(DATA / "qingliu", tmp_path / "qingliu")
    stated = (tmp_path / "plan" / "stated_totals.csv").read_text(encoding="utf-8")
    (tmp_path / "plan" / "stated_totals.csv").write_text(
        stated.replace("attachment2,poor_villages,2017,17,", "attachment2,poor_villages,2017,16,"), encoding="utf-8")
    result = _invoke(registry, "--year", "2017", env={"TUOPIN_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "attachment 2, 2017 poor villages (贫困村): stated 16, rows list 17" in result.stdout


# -- errors -----------------------------------------------------------------------------------


def test_year_is_required(registry: dict) -> None:
    result = _invoke(registry)
    assert result.exit_code == 2 and "--year" in result.output


def test_a_registry_that_cannot_be_reached_exits_3(tmp_path: Path) -> None:
    runner = CliRunner()
    missing_dir = runner.invoke(plan, ["report", "--year", "2017", "--registry-url",
                                       f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'r.db'}"])
    assert missing_dir.exit_code == 3, missing_dir.output
    no_registry_at_home = runner.invoke(plan, ["report", "--year", "2017", "--home", str(tmp_path)],
                                        env={"TUOPIN_REGISTRY_URL": None})
    assert no_registry_at_home.exit_code == 3 and "no registry at" in no_registry_at_home.output
    empty = runner.invoke(plan, ["report", "--year", "2017", "--registry-url", f"sqlite:///{tmp_path / 'empty.db'}"])
    assert empty.exit_code == 3 and "seed it first" in empty.output


def test_broken_plan_data_is_refused_with_exit_1(registry: dict, tmp_path: Path) -> None:
    (tmp_path / "plan").mkdir()
    result = _invoke(registry, "--year", "2017", env={"TUOPIN_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1 and "plan data" in result.output


def test_a_malformed_registry_url_is_a_usage_error() -> None:
    result = CliRunner().invoke(plan, ["report", "--year", "2017", "--registry-url", "not a url"])
    assert result.exit_code == 2 and "registry URL" in result.output


def test_a_report_on_a_past_year_speaks_of_that_years_dates(registry: dict) -> None:
    """`plan report --year 2017` judges the buffer period at the end of 2017, not on the day it is printed."""
    from domain.county import TIME_ZONE

    result = _invoke(registry, "--year", "2017")
    assert result.exit_code == 0, result.output
    assert "in their buffer period on 2017-12-31 (摘帽不摘政策" in result.stdout
    assert datetime.now(TIME_ZONE).date().isoformat() not in result.stdout
    doc = json.loads(_invoke(registry, "--year", "2017", "--json").stdout)
    assert doc["today"] == "2017-12-31"


def test_the_day_a_year_is_judged_on() -> None:
    from datetime import date

    from domain.buffer import judged_on

    assert judged_on(2017, date(2026, 12, 4)) == date(2017, 12, 31)
    assert judged_on(2026, date(2026, 3, 1)) == date(2026, 3, 1)  # the year still runs: as of today
    assert judged_on(2026, date(2026, 12, 31)) == date(2026, 12, 31)
