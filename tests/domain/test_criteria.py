"""贫困户退出标准 (evaluate_household), the poverty-line table and the policy configuration."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.criteria.household import Guarantees, HouseholdFacts, evaluate_household
from domain.policy import PolicyConfig
from domain.poverty_line import PovertyLine, PovertyLineTable, StabilityRule

from .conftest import HOUSEHOLD_ID, VILLAGE

POLICY_DIR = Path(__file__).resolve().parents[2] / "data" / "policy"

SPEC_LINES = {2015: 2968, 2016: 3146, 2017: 3335, 2018: 3535, 2019: 3747, 2020: 4000}
GUARANTEE_FIELDS = ["food_and_clothing", "compulsory_education", "basic_medical_care", "safe_housing"]
GUARANTEE_TITLES = {
    "food_and_clothing": "吃穿不愁",
    "compulsory_education": "义务教育有保障",
    "basic_medical_care": "基本医疗有保障",
    "safe_housing": "住房安全有保障",
}


def table() -> PovertyLineTable:
    """The SPEC default lines, each with a recognisable source."""
    return table_without()


def table_without(*years: int) -> PovertyLineTable:
    return PovertyLineTable(
        lines=tuple(
            PovertyLine(year=y, yuan=Decimal(v), source=f"test line {y}") for y, v in sorted(SPEC_LINES.items()) if y not in years
        )
    )


def facts(income: dict[int, str | int] | None = None, status: str = "poor", **guarantees: bool) -> HouseholdFacts:
    flags = {name: True for name in GUARANTEE_FIELDS}
    flags.update(guarantees)
    return HouseholdFacts(
        household_id=HOUSEHOLD_ID,
        village_id=VILLAGE,
        members=4,
        status=status,
        per_capita_income={y: Decimal(str(v)) for y, v in (income if income is not None else {2016: 4200, 2017: 5100}).items()},
        guarantees=Guarantees(**flags),
    )


def names(report) -> list[str]:
    return [c.name for c in report.checks]


def failed(report) -> list[str]:
    return [c.name for c in report.checks if not c.met]


# -- the happy case --------------------------------------------------------------------------


def test_household_that_meets_everything_exits():
    report = evaluate_household(facts(), 2017, table(), StabilityRule())
    assert report.met
    assert report.failures() == []
    assert names(report) == ["registered_poor", "income_2017", "income_2016", *GUARANTEE_FIELDS]
    income_2017 = next(c for c in report.checks if c.name == "income_2017")
    assert "5100" in income_2017.detail and "3335" in income_2017.detail and "test line 2017" in income_2017.detail


# -- income: strictly above the line ---------------------------------------------------------------


def test_income_equal_to_the_line_does_not_exit():
    report = evaluate_household(facts({2016: 4200, 2017: 3335}), 2017, table(), StabilityRule())
    assert not report.met
    assert failed(report) == ["income_2017"]
    (failure,) = report.failures()
    assert failure.startswith("income_2017:") and "not above" in failure and "3335" in failure


def test_income_one_yuan_above_the_line_exits():
    report = evaluate_household(facts({2016: 3147, 2017: 3336}), 2017, table(), StabilityRule())
    assert report.met, report.failures()


def test_income_a_fen_above_the_line_exits():
    report = evaluate_household(facts({2016: "3146.01", 2017: "3335.01"}), 2017, table(), StabilityRule())
    assert report.met, report.failures()


def test_income_one_yuan_below_the_line_does_not_exit():
    report = evaluate_household(facts({2016: 4200, 2017: 3334}), 2017, table(), StabilityRule())
    assert failed(report) == ["income_2017"]


def test_previous_year_equal_to_its_line_is_not_stably_above():
    report = evaluate_household(facts({2016: 3146, 2017: 9000}), 2017, table(), StabilityRule())
    assert not report.met
    assert failed(report) == ["income_2016"]


def test_previous_year_above_the_current_line_but_the_line_is_that_years():
    # 2016 income 3200 is below 2017's line (3335) but above 2016's (3146): stably above.
    report = evaluate_household(facts({2016: 3200, 2017: 3400}), 2017, table(), StabilityRule())
    assert report.met, report.failures()


def test_missing_income_year_is_not_met_and_says_so():
    report = evaluate_household(facts({2017: 5100}), 2017, table(), StabilityRule())
    assert not report.met
    assert failed(report) == ["income_2016"]
    assert "no per-capita income recorded for 2016" in report.failures()[0]


def test_missing_poverty_line_for_a_year_is_not_met_and_says_so():
    report = evaluate_household(facts(), 2017, table_without(2016), StabilityRule())
    assert not report.met
    assert failed(report) == ["income_2016"]
    assert "no poverty line is configured for 2016" in report.failures()[0]


def test_exit_year_beyond_the_table_is_not_met():
    report = evaluate_household(facts({2020: 9000, 2021: 9000}), 2021, table(), StabilityRule())
    assert failed(report) == ["income_2021"]
    assert "2021" in report.failures()[0]


# -- 两不愁三保障 and the registry status -------------------------------------------------------------


@pytest.mark.parametrize("flag", GUARANTEE_FIELDS)
def test_each_guarantee_flag_false_is_not_met_and_named(flag):
    report = evaluate_household(facts(**{flag: False}), 2017, table(), StabilityRule())
    assert not report.met
    assert failed(report) == [flag]
    (failure,) = report.failures()
    assert failure.startswith(f"{flag}:")
    assert GUARANTEE_TITLES[flag] in failure and "not met" in failure


@pytest.mark.parametrize("status", ["exited", "returned", "", "POOR"])
def test_household_not_registered_poor_is_not_met(status):
    report = evaluate_household(facts(status=status), 2017, table(), StabilityRule())
    assert not report.met
    assert failed(report) == ["registered_poor"]
    assert repr(status) in report.failures()[0]


def test_report_lists_every_failure_by_name():
    report = evaluate_household(
        facts({2017: 3000}, status="exited", safe_housing=False, compulsory_education=False),
        2017,
        table(),
        StabilityRule(),
    )
    assert not report.met
    assert failed(report) == ["registered_poor", "income_2017", "income_2016", "compulsory_education", "safe_housing"]
    assert [f.split(":")[0] for f in report.failures()] == failed(report)


# -- the stability rule ----------------------------------------------------------------------------


def test_default_stability_is_this_year_and_the_one_before():
    assert StabilityRule().consecutive_years == 2
    assert StabilityRule().years_for(2017) == [2017, 2016]


def test_three_consecutive_years_checks_three_years():
    rule = StabilityRule(consecutive_years=3)
    assert rule.years_for(2017) == [2017, 2016, 2015]
    good = evaluate_household(facts({2015: 3000, 2016: 3200, 2017: 3400}), 2017, table(), rule)
    assert good.met, good.failures()
    assert names(good)[1:4] == ["income_2017", "income_2016", "income_2015"]
    # 2015 equal to its line (2968): the third year fails
    bad = evaluate_household(facts({2015: 2968, 2016: 3200, 2017: 3400}), 2017, table(), rule)
    assert failed(bad) == ["income_2015"]
    # the default two-year rule does not look at 2015 at all
    assert evaluate_household(facts({2015: 2968, 2016: 3200, 2017: 3400}), 2017, table(), StabilityRule()).met


def test_one_year_rule_checks_only_the_exit_year():
    rule = StabilityRule(consecutive_years=1)
    report = evaluate_household(facts({2017: 3400}), 2017, table(), rule)
    assert report.met
    assert [n for n in names(report) if n.startswith("income_")] == ["income_2017"]


@pytest.mark.parametrize("years", [0, -1, 6])
def test_stability_rule_out_of_range_is_refused(years):
    with pytest.raises(ValidationError):
        StabilityRule(consecutive_years=years)


# -- the poverty-line table ------------------------------------------------------------------------


def test_table_lists_a_year_only_once():
    line = PovertyLine(year=2017, yuan=Decimal(3335), source="a")
    with pytest.raises(ValidationError, match="twice"):
        PovertyLineTable(lines=(line, PovertyLine(year=2017, yuan=Decimal(3400), source="b")))


def test_a_line_needs_a_positive_amount_and_a_source():
    with pytest.raises(ValidationError):
        PovertyLine(year=2017, yuan=Decimal(0), source="x")
    with pytest.raises(ValidationError):
        PovertyLine(year=2017, yuan=Decimal(3335), source="")


def test_for_year():
    t = table()
    assert t.for_year(2017).yuan == Decimal(3335)
    assert t.for_year(2014) is None


# -- the policy documents (data/policy/*.json) -------------------------------------------------------


def load_policy() -> PolicyConfig:
    lines_doc = json.loads((POLICY_DIR / "poverty_lines.json").read_text(encoding="utf-8"))
    rules_doc = json.loads((POLICY_DIR / "rules.json").read_text(encoding="utf-8"))
    return PolicyConfig.from_documents(lines_doc, rules_doc)


def test_policy_documents_carry_the_spec_lines_with_sources():
    policy = load_policy()
    assert {line.year: line.yuan for line in policy.poverty_lines.lines} == {y: Decimal(v) for y, v in SPEC_LINES.items()}
    for line in policy.poverty_lines.lines:
        assert line.source.strip()
    for derived in (2015, 2016):  # SPEC: derived at 6 %/yr, not from a primary source
        assert "derived" in policy.poverty_lines.for_year(derived).source
    assert "approx" in policy.poverty_lines.for_year(2020).source


def test_policy_documents_default_rules():
    policy = load_policy()
    assert policy.stability.consecutive_years == 2
    assert policy.notice.days == 7
    assert policy.notice.timezone == "Asia/Shanghai"


def test_policy_defaults_when_rules_are_absent():
    policy = PolicyConfig.from_documents({"lines": [{"year": 2017, "yuan": "3335", "source": "x"}]}, {})
    assert policy.stability == StabilityRule()
    assert policy.notice.days == 7


def test_policy_refuses_a_notice_shorter_than_seven_days():
    with pytest.raises(ValidationError):
        PolicyConfig.from_documents({"lines": []}, {"notice": {"days": 6}})


def test_household_evaluated_against_the_policy_documents():
    policy = load_policy()
    report = evaluate_household(facts({2016: 3147, 2017: 3336}), 2017, policy.poverty_lines, policy.stability)
    assert report.met
    report = evaluate_household(facts({2016: 3146, 2017: 3336}), 2017, policy.poverty_lines, policy.stability)
    assert failed(report) == ["income_2016"]
