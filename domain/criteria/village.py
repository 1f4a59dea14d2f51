"""贫困村 (and 空壳村) exit criteria: 贫困发生率低于2%, income ≥ 80% of the county's or ≥ 60% of the
province's average, village collective income ≥ 100,000 yuan; other factors are weighed as findings."""

from decimal import ROUND_DOWN, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.criteria.figures import Figure, Incidence, other_years
from domain.criteria.report import CriteriaReport, CriterionCheck

INCIDENCE_LIMIT_PCT = 2  # 低于2%
COUNTY_SHARE_PCT = 80  # 达到所在县平均水平80%以上
PROVINCE_SHARE_PCT = 60  # 或全省平均水平的60%以上
COLLECTIVE_INCOME_YUAN = Decimal(100_000)  # 村级收入达到10万元以上 (the text writes "l0万元")

Designation = Literal["poor", "hollow"]


class VillageFacts(BaseModel):
    model_config = ConfigDict(frozen=True)

    village_id: str
    township_id: str
    designation: Designation
    designated: bool  # the registry lists the village as such (贫困村 / 空壳村)
    status: str | None  # that designation's status: poor / exited
    incidence: Incidence
    rural_income_per_capita: Figure | None
    county_average_income: Figure | None
    province_average_income: Figure | None
    collective_income: Figure | None


def evaluate_village(facts: VillageFacts, year: int | None = None) -> CriteriaReport:
    """`year`: the exit year; a figure of another year fails its check (figures of one year only)."""
    word = "贫困村" if facts.designation == "poor" else "空壳村"
    checks = [
        CriterionCheck(
            name="designated",
            met=facts.designated and facts.status == "poor",
            detail=f"registered as {word}: {'yes' if facts.designated else 'no'}; status {facts.status!r}",
        ),
        CriterionCheck(
            name="incidence",
            met=facts.incidence.below(INCIDENCE_LIMIT_PCT),
            detail=f"{facts.incidence.describe(ROUND_DOWN)} (must be below {INCIDENCE_LIMIT_PCT}%)",
        ),
        _income_check(facts, year),
        _collective_check(facts, year),
    ]
    return CriteriaReport(checks=tuple(checks), year=year)


def _income_check(facts: VillageFacts, year: int | None = None) -> CriterionCheck:
    income = facts.rural_income_per_capita
    if income is None:
        return CriterionCheck(name="income", met=False, detail="no per-capita income recorded for the village")
    mixed = other_years(year, income=income, county_average=facts.county_average_income,
                        province_average=facts.province_average_income)
    if mixed:
        return CriterionCheck(name="income", met=False, detail="figures of another year: " + "; ".join(mixed))
    parts, met = [], False
    for label, average, share in (
        ("county", facts.county_average_income, COUNTY_SHARE_PCT),
        ("province", facts.province_average_income, PROVINCE_SHARE_PCT),
    ):
        if average is None or average.value <= 0:
            parts.append(f"no {label} average recorded")
            continue
        ok = income.value * 100 >= average.value * share
        met = met or ok
        ratio = (income.value * 100 / average.value).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
        parts.append(f"{ratio}% of the {label} average {average.cite()} ({'≥' if ok else '<'} {share}%)")
    return CriterionCheck(name="income", met=met, detail=f"income {income.cite()}: " + "; ".join(parts))


def _collective_check(facts: VillageFacts, year: int | None = None) -> CriterionCheck:
    income = facts.collective_income
    if income is None:
        return CriterionCheck(name="collective_income", met=False, detail="no village collective income recorded")
    if mixed := other_years(year, collective_income=income):
        return CriterionCheck(name="collective_income", met=False, detail="; ".join(mixed))
    met = income.value >= COLLECTIVE_INCOME_YUAN
    return CriterionCheck(
        name="collective_income",
        met=met,
        detail=f"collective income {income.cite()} {'≥' if met else '<'} {COLLECTIVE_INCOME_YUAN} yuan",
    )
