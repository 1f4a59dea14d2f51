"""国定 / 省定: each household is tested against the poverty line of the standard it was identified
under, each line from data/policy with its source; where no provincial line is known, the report
says which line was applied and why.

清委办〔2017〕25号 三(一): "年人均可支配收入稳定超过扶贫标准"; 附件1 counts the persons identified under
the national standard apart ("其中国定": 715 of the 1,780 planned for 2017).
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.criteria.household import Guarantees, HouseholdFacts, evaluate_household
from domain.policy import PolicyConfig
from domain.poverty_line import PovertyLine, PovertyLineTable, StabilityRule

POLICY_DIR = Path(__file__).resolve().parents[2] / "data" / "policy"
NATIONAL = {2016: Decimal(3146), 2017: Decimal(3335)}
PROVINCIAL = {2016: Decimal(3400), 2017: Decimal(3600)}
ONE_YEAR = StabilityRule(consecutive_years=1)


def lines(provincial: bool) -> PovertyLineTable:
    rows = [PovertyLine(year=y, yuan=v, source=f"national {y}") for y, v in NATIONAL.items()]
    if provincial:
        rows += [PovertyLine(year=y, yuan=v, source=f"provincial {y}", standard="provincial") for y, v in PROVINCIAL.items()]
    return PovertyLineTable(lines=tuple(rows))


def household(income: int, nationally_defined: bool | None) -> HouseholdFacts:
    return HouseholdFacts(
        household_id="v-h001", village_id="v", members=3, status="poor", per_capita_income={2017: Decimal(income)},
        guarantees=Guarantees(food_and_clothing=True, compulsory_education=True, basic_medical_care=True, safe_housing=True),
        nationally_defined=nationally_defined,
    )


def income_check(facts: HouseholdFacts, table: PovertyLineTable):
    report = evaluate_household(facts, 2017, table, ONE_YEAR)
    return next(c for c in report.checks if c.name == "income_2017")


def test_a_guoding_household_is_tested_against_the_national_line():
    check = income_check(household(3500, nationally_defined=True), lines(provincial=True))
    assert check.met  # 3500 > 3335, though below the provincial 3600
    assert "line of 3335" in check.detail and "国定" in check.detail and "national 2017" in check.detail


def test_a_shengding_household_is_tested_against_the_provincial_line_where_it_is_known():
    between = income_check(household(3500, nationally_defined=False), lines(provincial=True))
    assert not between.met  # above the national line, not above the provincial one
    assert "line of 3600" in between.detail and "省定" in between.detail and "provincial 2017" in between.detail
    assert income_check(household(3601, nationally_defined=False), lines(provincial=True)).met


def test_without_a_provincial_line_the_report_says_which_line_was_applied_and_why():
    check = income_check(household(3500, nationally_defined=False), lines(provincial=False))
    assert check.met
    assert "line of 3335" in check.detail and "national 2017" in check.detail
    assert "identified under the provincial standard (省定)" in check.detail
    assert "no provincial line for 2017" in check.detail and "never below the national one" in check.detail


def test_a_case_frozen_before_the_flag_was_read_says_its_standard_is_unknown():
    check = income_check(household(3500, nationally_defined=None), lines(provincial=True))
    assert "line of 3335" in check.detail and "do not say under which standard" in check.detail


def test_a_provincial_line_below_the_national_one_is_refused():
    with pytest.raises(ValidationError, match="below the national one"):
        PovertyLineTable(lines=(PovertyLine(year=2017, yuan=Decimal(3335), source="n"),
                                PovertyLine(year=2017, yuan=Decimal(3000), source="p", standard="provincial")))


def test_one_line_a_year_per_standard():
    PovertyLineTable(lines=(PovertyLine(year=2017, yuan=Decimal(3335), source="n"),
                            PovertyLine(year=2017, yuan=Decimal(3600), source="p", standard="provincial")))
    with pytest.raises(ValidationError, match="twice"):
        PovertyLineTable(lines=(PovertyLine(year=2017, yuan=Decimal(3335), source="n"),
                                PovertyLine(year=2017, yuan=Decimal(3336), source="n2")))


def test_the_policy_documents_name_the_standard_and_the_source_of_every_line():
    doc = json.loads((POLICY_DIR / "poverty_lines.json").read_text(encoding="utf-8"))
    policy = PolicyConfig.from_documents(doc, {})
    assert all(line.standard == "national" and line.source.strip() for line in policy.poverty_lines.lines)
    assert all(row["standard"] == "national" for row in doc["lines"])  # said, not defaulted
    assert "省定" in doc["_comment"] and "No provincial line is listed" in doc["_comment"]
