"""重点乡 / 重点县 exit criteria (evaluate_key_area), on their boundaries from both sides.

Policy 三(三)/(四): 贫困发生率降至2%以下 (以下: 2% itself included), 农民人均可支配收入增长幅度高于全市
平均水平 (高于: strictly), 基本公共服务主要领域指标接近全市 (乡) / 全省 (县) 平均水平 — each indicator must
be on record; whether it is close is the reviewer's finding recorded at the assessment stage.
"""

from decimal import Decimal

import pytest

from domain import indicators as ind
from domain.criteria.evaluate import evaluate_case
from domain.criteria.figures import Figure, Incidence
from domain.criteria.key_area import IndicatorComparison, KeyAreaFacts, evaluate_key_area

from .conftest import COUNTY, TOWNSHIP

YEAR = 2018
OWN_SRC = "长校镇2018年统计年报"
CITY_SRC = "三明市统计局2018年统计公报"
PROVINCE_SRC = "福建省统计局2018年统计公报"

EDUCATION = "service.compulsory_education_retention_pct"
INSURANCE = "service.medical_insurance_coverage_pct"


def fig(value: int | str | None, source: str, year: int = YEAR) -> Figure | None:
    return None if value is None else Figure(value=Decimal(str(value)), year=year, source=source)


def comparison(name: str, value: str | None = "96.5", average: str | None = "97.0", benchmark: str = CITY_SRC) -> IndicatorComparison:
    return IndicatorComparison(title=ind.SERVICE_INDICATORS[name], value=fig(value, OWN_SRC), average=fig(average, benchmark))


def all_indicators(benchmark: str = CITY_SRC) -> dict[str, IndicatorComparison]:
    return {name: comparison(name, benchmark=benchmark) for name in ind.SERVICE_INDICATORS}


def key_area(
    unit_type: str = "township",
    poor: int = 150,
    population: int = 10_000,
    growth: str | None = "9.20",
    city_growth: str | None = "8.50",
    indicators: dict[str, IndicatorComparison] | None = None,
    designated: bool = True,
    status: str = "poor",
) -> KeyAreaFacts:
    """A key township (or county) meeting every criterion with room to spare unless told otherwise."""
    return KeyAreaFacts(
        unit_id=TOWNSHIP if unit_type == "township" else COUNTY,
        unit_type=unit_type,
        designated=designated,
        status=status,
        incidence=Incidence(poor_persons=poor, rural_population=population),
        income_growth_pct=fig(growth, OWN_SRC),
        city_income_growth_pct=fig(city_growth, CITY_SRC),
        service_indicators=all_indicators() if indicators is None else indicators,
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


@pytest.mark.parametrize("unit_type", ["township", "county"])
def test_baseline_meets_every_criterion(unit_type):
    report = evaluate_key_area(key_area(unit_type))
    assert [c.name for c in report.checks] == ["designated", "incidence", "income_growth", *ind.SERVICE_INDICATORS]
    assert report.met
    assert report.failures() == []


# ================================================================================================
# 贫困发生率降至2%以下: at or below
# ================================================================================================


@pytest.mark.parametrize("unit_type", ["township", "county"])
def test_incidence_exactly_2_percent_is_met(unit_type):
    """以下 includes the number itself: 200 of 10,000 (2.00%) is met — unlike a village's 低于2%."""
    report = evaluate_key_area(key_area(unit_type, poor=200, population=10_000))
    incidence = check(report, "incidence")
    assert incidence.met
    assert incidence.detail == "200 poor persons / 10000 rural population = 2.00% (must be at or below 2%)"
    assert report.met


@pytest.mark.parametrize("unit_type", ["township", "county"])
def test_incidence_2_01_percent_is_not_met(unit_type):
    report = evaluate_key_area(key_area(unit_type, poor=201, population=10_000))
    assert failed(report) == ["incidence"]
    failure = report.failures()[0]
    for word in ("201 poor persons", "10000 rural population", "2.01%", "at or below 2%"):
        assert word in failure, f"{word!r} not in {failure!r}"


def test_incidence_one_person_over_2_percent_of_a_large_population_is_not_met():
    """Exact integer comparison: 20,000 of 1,000,000 is met, 20,001 (2.0001%) is not."""
    assert check(evaluate_key_area(key_area(poor=20_000, population=1_000_000)), "incidence").met
    assert not check(evaluate_key_area(key_area(poor=20_001, population=1_000_000)), "incidence").met


def test_incidence_with_no_poor_persons_is_met():
    assert check(evaluate_key_area(key_area(poor=0, population=10_000)), "incidence").met


def test_incidence_with_no_rural_population_is_not_met():
    report = evaluate_key_area(key_area(poor=0, population=0))
    assert failed(report) == ["incidence"]


def test_a_failed_incidence_is_never_displayed_as_2_00_percent():
    incidence = check(evaluate_key_area(key_area(poor=401, population=20_000)), "incidence")
    assert not incidence.met  # 2.005% is above 2%: the decision itself is right
    assert "= 2.00%" not in incidence.detail


# ================================================================================================
# 农民人均可支配收入增长幅度高于全市平均水平: strictly above
# ================================================================================================


@pytest.mark.parametrize("unit_type", ["township", "county"])
def test_growth_equal_to_the_city_average_is_not_met(unit_type):
    """高于 excludes the number itself."""
    report = evaluate_key_area(key_area(unit_type, growth="8.50", city_growth="8.50"))
    assert failed(report) == ["income_growth"]
    failure = report.failures()[0]
    assert "≤ city average" in failure
    assert OWN_SRC in failure and CITY_SRC in failure


@pytest.mark.parametrize("unit_type", ["township", "county"])
def test_growth_0_01_above_the_city_average_is_met(unit_type):
    report = evaluate_key_area(key_area(unit_type, growth="8.51", city_growth="8.50"))
    growth = check(report, "income_growth")
    assert growth.met
    assert "> city average" in growth.detail
    assert report.met


def test_growth_below_the_city_average_is_not_met():
    assert failed(evaluate_key_area(key_area(growth="8.49", city_growth="8.50"))) == ["income_growth"]


def test_growth_equal_in_value_but_written_differently_is_still_not_above():
    """8.5 and 8.50 are the same growth: compared as numbers, not as text."""
    assert not check(evaluate_key_area(key_area(growth="8.5", city_growth="8.50")), "income_growth").met


@pytest.mark.parametrize(("growth", "city_growth"), [(None, "8.50"), ("9.20", None), (None, None)])
def test_growth_not_recorded_is_not_met(growth, city_growth):
    report = evaluate_key_area(key_area(growth=growth, city_growth=city_growth))
    assert failed(report) == ["income_growth"]
    assert report.failures() == ["income_growth: income growth or the city average is not recorded"]


# ================================================================================================
# 基本公共服务主要领域指标: each must be on record
# ================================================================================================


def test_an_indicator_without_the_units_value_fails_that_indicator_only():
    indicators = all_indicators()
    indicators[EDUCATION] = comparison(EDUCATION, value=None)
    report = evaluate_key_area(key_area(indicators=indicators))
    assert failed(report) == [EDUCATION]
    failure = report.failures()[0]
    assert failure.startswith(f"{EDUCATION}: 义务教育巩固率: missing: the unit's value")


def test_an_indicator_without_the_average_fails_that_indicator_only():
    indicators = all_indicators()
    indicators[INSURANCE] = comparison(INSURANCE, average=None)
    report = evaluate_key_area(key_area(indicators=indicators))
    assert failed(report) == [INSURANCE]
    assert "城乡居民基本医疗保险参保率: missing: the average" in report.failures()[0]


def test_a_present_indicator_is_met_whatever_its_gap_the_closeness_being_the_reviewers_finding():
    indicators = {EDUCATION: comparison(EDUCATION, value="60.0", average="97.0")}
    report = evaluate_key_area(key_area(indicators=indicators))
    education = check(report, EDUCATION)
    assert education.met
    assert "difference -37.00" in education.detail
    assert "closeness is the reviewer's finding" in education.detail


def test_an_indicator_describes_both_figures_with_their_sources():
    detail = check(evaluate_key_area(key_area(indicators={EDUCATION: comparison(EDUCATION, "96.5", "97.0")})), EDUCATION).detail
    assert detail == (
        f"义务教育巩固率: 96.5 ({YEAR}, {OWN_SRC}) vs average 97.0 ({YEAR}, {CITY_SRC}) (difference -0.50); "
        "closeness is the reviewer's finding"
    )


def test_no_indicators_at_all_fails():
    report = evaluate_key_area(key_area(indicators={}))
    assert failed(report) == ["service_indicators"]
    assert report.failures() == ["service_indicators: no public-service indicators recorded"]


def test_only_the_recorded_indicators_are_checked():
    report = evaluate_key_area(key_area(indicators={EDUCATION: comparison(EDUCATION)}))
    assert [c.name for c in report.checks] == ["designated", "incidence", "income_growth", EDUCATION]
    assert report.met


# ================================================================================================
# Designation, and township vs county wording
# ================================================================================================


def test_a_township_report_speaks_of_a_key_township():
    detail = check(evaluate_key_area(key_area("township")), "designated").detail
    assert detail == "registered as 重点乡: yes; status 'poor'"


def test_a_county_report_speaks_of_a_key_county():
    detail = check(evaluate_key_area(key_area("county")), "designated").detail
    assert detail == "registered as 重点县: yes; status 'poor'"


@pytest.mark.parametrize(("unit_type", "word"), [("township", "重点乡"), ("county", "重点县")])
def test_an_undesignated_unit_is_not_met(unit_type, word):
    report = evaluate_key_area(key_area(unit_type, designated=False))
    assert failed(report) == ["designated"]
    assert f"registered as {word}: no" in report.failures()[0]


@pytest.mark.parametrize("unit_type", ["township", "county"])
def test_an_already_exited_unit_is_not_met(unit_type):
    report = evaluate_key_area(key_area(unit_type, status="exited"))
    assert failed(report) == ["designated"]
    assert "status 'exited'" in report.failures()[0]


def test_a_county_compares_its_indicators_with_the_province_figures_it_was_given():
    report = evaluate_key_area(key_area("county", indicators=all_indicators(benchmark=PROVINCE_SRC)))
    for name in ind.SERVICE_INDICATORS:
        assert PROVINCE_SRC in check(report, name).detail
        assert CITY_SRC not in check(report, name).detail


def test_an_unknown_unit_type_is_refused_by_the_facts():
    with pytest.raises(ValueError):
        key_area("village")


# ================================================================================================
# The report as a whole
# ================================================================================================


def test_every_failure_is_reported():
    indicators = {EDUCATION: comparison(EDUCATION, value=None), INSURANCE: comparison(INSURANCE)}
    report = evaluate_key_area(
        key_area("county", poor=500, population=10_000, growth="7.0", city_growth="8.5", indicators=indicators, status="exited")
    )
    assert failed(report) == ["designated", "incidence", "income_growth", EDUCATION]
    assert len(report.failures()) == 4
    assert "5.00%" in report.failures()[1]


@pytest.mark.parametrize("unit_type", ["township", "county"])
def test_evaluate_case_dispatches_key_area_facts_frozen_as_json(unit_type, policy):
    for facts in (
        key_area(unit_type),
        key_area(unit_type, poor=201),
        key_area(unit_type, growth="8.50"),
        key_area(unit_type, indicators={}),
    ):
        direct = evaluate_key_area(facts, YEAR)
        assert evaluate_case(unit_type, facts.model_dump(mode="json"), YEAR, policy) == direct
