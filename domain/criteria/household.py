"""贫困户退出标准: income stably above the poverty line, and 两不愁三保障 all met."""

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from domain.criteria.report import CriteriaReport, CriterionCheck
from domain.poverty_line import STANDARD_NAME, PovertyLineTable, StabilityRule


class Guarantees(BaseModel):
    """两不愁三保障."""

    model_config = ConfigDict(frozen=True)

    food_and_clothing: bool  # 吃穿不愁
    compulsory_education: bool  # 义务教育有保障
    basic_medical_care: bool  # 基本医疗有保障
    safe_housing: bool  # 住房安全有保障


class HouseholdFacts(BaseModel):
    """What the registry held for a household when its case opened (frozen in the case)."""

    model_config = ConfigDict(frozen=True)

    household_id: str
    village_id: str
    members: Annotated[int, Field(ge=1)]
    status: str
    per_capita_income: dict[int, Decimal]  # year -> yuan per person per year
    guarantees: Guarantees
    # 国定 (identified under the national standard) or 省定 (the provincial one); None in cases
    # frozen before the registry's flag was read
    nationally_defined: bool | None = None


_GUARANTEE_NAMES = {
    "food_and_clothing": "吃穿不愁",
    "compulsory_education": "义务教育有保障",
    "basic_medical_care": "基本医疗有保障",
    "safe_housing": "住房安全有保障",
}


def evaluate_household(
    facts: HouseholdFacts, exit_year: int, lines: PovertyLineTable, rule: StabilityRule
) -> CriteriaReport:
    checks = [
        CriterionCheck(
            name="registered_poor",
            met=facts.status == "poor",
            detail=f"registry status is {facts.status!r} (must be 'poor')",
        )
    ]
    for year in rule.years_for(exit_year):
        checks.append(_income_check(facts, year, lines))
    for field, title in _GUARANTEE_NAMES.items():
        met = getattr(facts.guarantees, field)
        checks.append(
            CriterionCheck(name=field, met=met, detail=f"{title}: {'met' if met else 'not met'}")
        )
    return CriteriaReport(checks=tuple(checks), year=exit_year)


def _income_check(facts: HouseholdFacts, year: int, lines: PovertyLineTable) -> CriterionCheck:
    name = f"income_{year}"
    applied = lines.for_household(year, facts.nationally_defined)
    income = facts.per_capita_income.get(year)
    if applied is None:
        return CriterionCheck(name=name, met=False, detail=f"no poverty line is configured for {year}")
    if income is None:
        return CriterionCheck(name=name, met=False, detail=f"no per-capita income recorded for {year}")
    line = applied.line
    # 稳定超过扶贫标准: strictly above; an income equal to the line does not exit.
    met = income > line.yuan
    relation = "above" if met else "not above"
    return CriterionCheck(
        name=name,
        met=met,
        detail=(f"{year}: {income} yuan per person is {relation} the line of {line.yuan} "
                f"({STANDARD_NAME[line.standard]} line, {line.source}); {applied.reason}"),
    )
