"""贫困村 / 空壳村 exit criteria (evaluate_village), on their boundaries from both sides.

Policy 三(二): 贫困发生率低于2% (低于: strictly), 农民人均可支配收入达到所在县平均水平80%以上 (以上: the
number included) 或全省平均水平的60%以上, 村级收入达到10万元以上 (the text writes "l0万元").
"""

from decimal import Decimal

import pytest

from domain.criteria.evaluate import evaluate_case
from domain.criteria.figures import Figure, Incidence
from domain.criteria.village import VillageFacts, evaluate_village

from .conftest import TOWNSHIP, VILLAGE

YEAR = 2017
VILLAGE_SRC = "河排村2017年统计年报"
COUNTY_SRC = "清流县统计局2017年统计公报"
PROVINCE_SRC = "福建省统计局2017年统计公报"
COLLECTIVE_SRC = "河排村2017年村级财务报表"

COUNTY_AVG = 10_000  # yuan
PROVINCE_AVG = 20_000  # yuan: 60% of it is 12,000, well above 80% of the county's


def fig(value: int | str | None, source: str, year: int = YEAR) -> Figure | None:
    return None if value is None else Figure(value=Decimal(str(value)), year=year, source=source)


def village(
    poor: int = 120,
    population: int = 10_000,
    income: int | str | None = 9_000,
    county: int | str | None = COUNTY_AVG,
    province: int | str | None = PROVINCE_AVG,
    collective: int | str | None = 150_000,
    designation: str = "poor",
    designated: bool = True,
    status: str | None = "poor",
) -> VillageFacts:
    """A village meeting every criterion with room to spare unless told otherwise."""
    return VillageFacts(
        village_id=VILLAGE,
        township_id=TOWNSHIP,
        designation=designation,
        designated=designated,
        status=status,
        incidence=Incidence(poor_persons=poor, rural_population=population),
        rural_income_per_capita=fig(income, VILLAGE_SRC),
        county_average_income=fig(county, COUNTY_SRC),
        province_average_income=fig(province, PROVINCE_SRC),
        collective_income=fig(collective, COLLECTIVE_SRC),
    )


def check(report, name: str):
    matches = [c for c in report.checks if c.name == name]
    assert len(matches) == 1, f"expected one {name!r} check, got {[c.name for c in report.checks]}"
    return matches[0]


def failed(report) -> list[str]:
    return [c.name for c in report.checks if not c.met]


# ================================================================================================
# The baseline
# ================================================================================================


def test_baseline_village_meets_every_criterion():
    report = evaluate_village(village())
    assert [c.name for c in report.checks] == ["designated", "incidence", "income", "collective_income"]
    assert report.met
    assert report.failures() == []


# ================================================================================================
# 贫困发生率低于2%: strictly below
# ================================================================================================


def test_incidence_199_of_10000_is_1_99_percent_and_met():
    report = evaluate_village(village(poor=199, population=10_000))
    incidence = check(report, "incidence")
    assert incidence.met
    assert "1.99%" in incidence.detail
    assert report.met


def test_incidence_200_of_10000_is_exactly_2_percent_and_not_met():
    """低于2%: 2.00% itself is not below 2%."""
    report = evaluate_village(village(poor=200, population=10_000))
    assert failed(report) == ["incidence"]
    assert not report.met
    failure = report.failures()[0]
    assert failure.startswith("incidence: ")
    for word in ("200 poor persons", "10000 rural population", "2.00%", "below 2%"):
        assert word in failure, f"{word!r} not in {failure!r}"


def test_incidence_just_below_2_percent_with_a_large_population_is_met():
    """Exact integer comparison: 19,999 of 1,000,000 (1.9999%) is below 2%, 20,000 is not."""
    assert check(evaluate_village(village(poor=19_999, population=1_000_000)), "incidence").met
    assert not check(evaluate_village(village(poor=20_000, population=1_000_000)), "incidence").met


def test_incidence_with_no_poor_persons_left_is_met():
    report = evaluate_village(village(poor=0, population=10_000))
    assert check(report, "incidence").met
    assert "0 poor persons" in check(report, "incidence").detail
    assert report.met


def test_incidence_with_no_rural_population_is_not_met():
    """Nothing to divide by: the incidence cannot be shown to be below 2%, even with 0 poor persons."""
    report = evaluate_village(village(poor=0, population=0))
    assert failed(report) == ["incidence"]
    assert "0 rural population" in check(report, "incidence").detail


def test_incidence_describes_the_figures_it_was_computed_from():
    detail = check(evaluate_village(village(poor=150, population=10_000)), "incidence").detail
    assert detail == "150 poor persons / 10000 rural population = 1.50% (must be below 2%)"


def test_a_met_incidence_is_never_displayed_as_2_00_percent():
    incidence = check(evaluate_village(village(poor=399, population=20_000)), "incidence")
    assert incidence.met  # 1.995% is below 2%: the decision itself is right
    assert "= 2.00%" not in incidence.detail


# ================================================================================================
# Income: ≥ 80% of the county average, or ≥ 60% of the province average
# ================================================================================================


def test_income_exactly_80_percent_of_the_county_average_is_met():
    """达到所在县平均水平80%以上: 以上 includes 80% itself; the province path fails here."""
    report = evaluate_village(village(income=8_000, county=10_000, province=20_000))
    income = check(report, "income")
    assert income.met
    assert "80.0% of the county average" in income.detail
    assert "(≥ 80%)" in income.detail
    assert "(< 60%)" in income.detail  # 8000 is 40% of the province average
    assert report.met


def test_income_one_yuan_below_80_percent_of_the_county_average_is_not_met():
    report = evaluate_village(village(income=7_999, county=10_000, province=20_000))
    assert failed(report) == ["income"]
    detail = check(report, "income").detail
    assert "(< 80%)" in detail
    assert "(< 60%)" in detail


def test_income_one_cent_below_80_percent_of_the_county_average_is_not_met():
    """The comparison is exact, not on a rounded ratio."""
    assert not check(evaluate_village(village(income="7999.99", county=10_000, province=20_000)), "income").met
    assert check(evaluate_village(village(income="8000.00", county=10_000, province=20_000)), "income").met


def test_income_exactly_60_percent_of_the_province_average_is_met():
    """或全省平均水平的60%以上: 12,000 of 20,000 is 60%; the county path fails (12,000 < 80% of 16,000)."""
    report = evaluate_village(village(income=12_000, county=16_000, province=20_000))
    income = check(report, "income")
    assert income.met
    assert "75.0% of the county average" in income.detail and "(< 80%)" in income.detail
    assert "60.0% of the province average" in income.detail and "(≥ 60%)" in income.detail
    assert report.met


def test_income_one_yuan_below_60_percent_of_the_province_average_is_not_met():
    report = evaluate_village(village(income=11_999, county=16_000, province=20_000))
    assert failed(report) == ["income"]


@pytest.mark.parametrize(
    ("county", "province", "met"),
    [
        (10_000, 20_000, True),  # county path only (8000 ≥ 8000; 8000 < 12000)
        (20_000, 13_000, True),  # province path only (8000 < 16000; 8000 ≥ 7800)
        (9_000, 10_000, True),  # both
        (20_000, 20_000, False),  # neither (8000 < 16000; 8000 < 12000)
    ],
)
def test_either_income_path_suffices(county, province, met):
    assert check(evaluate_village(village(income=8_000, county=county, province=province)), "income").met is met


def test_income_with_only_the_county_average_recorded_uses_it():
    report = evaluate_village(village(income=8_000, county=10_000, province=None))
    income = check(report, "income")
    assert income.met
    assert "no province average recorded" in income.detail


def test_income_with_only_the_province_average_recorded_uses_it():
    report = evaluate_village(village(income=12_000, county=None, province=20_000))
    income = check(report, "income")
    assert income.met
    assert "no county average recorded" in income.detail


def test_income_with_no_average_recorded_is_not_met():
    report = evaluate_village(village(income=50_000, county=None, province=None))
    assert failed(report) == ["income"]
    detail = check(report, "income").detail
    assert "no county average recorded" in detail
    assert "no province average recorded" in detail


def test_income_not_recorded_for_the_village_is_not_met():
    report = evaluate_village(village(income=None))
    assert failed(report) == ["income"]
    assert report.failures() == ["income: no per-capita income recorded for the village"]


def test_income_failure_names_the_figures_and_their_sources():
    report = evaluate_village(village(income=7_000, county=10_000, province=20_000))
    failure = next(f for f in report.failures() if f.startswith("income: "))
    for word in (
        f"7000 ({YEAR}, {VILLAGE_SRC})",
        f"10000 ({YEAR}, {COUNTY_SRC})",
        f"20000 ({YEAR}, {PROVINCE_SRC})",
        "70.0% of the county average",
        "35.0% of the province average",
    ):
        assert word in failure, f"{word!r} not in {failure!r}"


def test_income_cites_the_year_of_each_figure():
    """A figure carried over from an earlier year says so."""
    facts = village().model_copy(update={"county_average_income": fig(10_000, COUNTY_SRC, year=2016)})
    assert f"10000 (2016, {COUNTY_SRC})" in check(evaluate_village(facts), "income").detail


def test_a_failed_income_ratio_is_never_displayed_as_80_0_percent():
    income = check(evaluate_village(village(income=7_999, county=10_000, province=20_000)), "income")
    assert not income.met  # the decision itself is right
    assert "80.0% of the county average" not in income.detail


# ================================================================================================
# 村级收入达到10万元以上
# ================================================================================================


def test_collective_income_exactly_100000_is_met():
    report = evaluate_village(village(collective=100_000))
    collective = check(report, "collective_income")
    assert collective.met
    assert "≥ 100000 yuan" in collective.detail
    assert report.met


def test_collective_income_99999_is_not_met():
    report = evaluate_village(village(collective=99_999))
    assert failed(report) == ["collective_income"]
    failure = report.failures()[0]
    assert f"99999 ({YEAR}, {COLLECTIVE_SRC})" in failure
    assert "< 100000 yuan" in failure


def test_collective_income_one_cent_short_is_not_met():
    assert not check(evaluate_village(village(collective="99999.99")), "collective_income").met


def test_collective_income_not_recorded_is_not_met():
    report = evaluate_village(village(collective=None))
    assert failed(report) == ["collective_income"]
    assert report.failures() == ["collective_income: no village collective income recorded"]


# ================================================================================================
# Designation: registered as 贫困村 / 空壳村, and still poor
# ================================================================================================


def test_a_village_not_registered_as_a_poor_village_is_not_met():
    report = evaluate_village(village(designated=False, status=None))
    assert failed(report) == ["designated"]
    assert "registered as 贫困村: no" in report.failures()[0]


def test_a_village_not_registered_as_a_hollow_village_is_not_met():
    report = evaluate_village(village(designation="hollow", designated=False, status=None))
    assert failed(report) == ["designated"]
    assert "registered as 空壳村: no" in report.failures()[0]


@pytest.mark.parametrize("designation", ["poor", "hollow"])
def test_an_already_exited_village_is_not_met(designation):
    report = evaluate_village(village(designation=designation, status="exited"))
    assert failed(report) == ["designated"]
    assert "status 'exited'" in report.failures()[0]


def test_a_registered_hollow_village_still_poor_is_met():
    report = evaluate_village(village(designation="hollow"))
    assert report.met
    assert "registered as 空壳村: yes; status 'poor'" in check(report, "designated").detail


def test_an_unknown_designation_is_refused_by_the_facts():
    with pytest.raises(ValueError):
        village(designation="key")


# ================================================================================================
# The report as a whole
# ================================================================================================


def test_every_failure_is_reported_with_its_figures():
    report = evaluate_village(
        village(poor=300, population=10_000, income=5_000, county=10_000, province=20_000, collective=50_000, status="exited")
    )
    assert failed(report) == ["designated", "incidence", "income", "collective_income"]
    failures = report.failures()
    assert len(failures) == 4
    text = "\n".join(failures)
    for word in ("3.00%", f"5000 ({YEAR}, {VILLAGE_SRC})", COUNTY_SRC, PROVINCE_SRC, f"50000 ({YEAR}, {COLLECTIVE_SRC})"):
        assert word in text, f"{word!r} not in {text!r}"


def test_evaluate_case_dispatches_village_facts_frozen_as_json(policy):
    """A case freezes its facts as JSON; the criteria come out the same from the frozen form."""
    for facts in (village(), village(poor=200), village(income=7_999), village(collective=99_999)):
        direct = evaluate_village(facts, YEAR)
        frozen = evaluate_case("village", facts.model_dump(mode="json"), YEAR, policy)
        assert frozen == direct
