"""重点乡 / 重点县 exit criteria: 贫困发生率降至2%以下 (2% itself included), income growth strictly above
the city average, and each main public-service indicator compared with the city (township) or the
province (county) average; whether it is "close" is the reviewer's recorded finding."""

from decimal import ROUND_UP, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.criteria.figures import Figure, Incidence, other_years
from domain.criteria.report import CriteriaReport, CriterionCheck

INCIDENCE_LIMIT_PCT = 2


class IndicatorComparison(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    value: Figure | None
    average: Figure | None

    def describe(self) -> str:
        if self.value is None or self.average is None:
            return "missing: " + ("the unit's value" if self.value is None else "the average")
        gap = (self.value.value - self.average.value).quantize(Decimal("0.01"))
        return f"{self.value.cite()} vs average {self.average.cite()} (difference {gap:+})"


class KeyAreaFacts(BaseModel):
    model_config = ConfigDict(frozen=True)

    unit_id: str
    unit_type: Literal["township", "county"]
    designated: bool  # 重点乡 / 重点县 in the registry
    status: str
    incidence: Incidence
    income_growth_pct: Figure | None
    city_income_growth_pct: Figure | None
    service_indicators: dict[str, IndicatorComparison]


def evaluate_key_area(facts: KeyAreaFacts, year: int | None = None) -> CriteriaReport:
    """`year`: the exit year; a figure of another year fails its check (figures of one year only)."""
    word = "重点乡" if facts.unit_type == "township" else "重点县"
    checks = [
        CriterionCheck(
            name="designated",
            met=facts.designated and facts.status == "poor",
            detail=f"registered as {word}: {'yes' if facts.designated else 'no'}; status {facts.status!r}",
        ),
        CriterionCheck(
            name="incidence",
            met=facts.incidence.at_or_below(INCIDENCE_LIMIT_PCT),
            detail=f"{facts.incidence.describe(ROUND_UP)} (must be at or below {INCIDENCE_LIMIT_PCT}%)",
        ),
        _growth_check(facts, year),
    ]
    for name, comparison in facts.service_indicators.items():
        present = comparison.value is not None and comparison.average is not None
        mixed = other_years(year, value=comparison.value, average=comparison.average)
        checks.append(
            CriterionCheck(
                name=name,
                met=present and not mixed,
                detail=f"{comparison.title}: {comparison.describe()}; "
                + ("figures of another year: " + "; ".join(mixed) if mixed else "closeness is the reviewer's finding"),
            )
        )
    if not facts.service_indicators:
        checks.append(CriterionCheck(name="service_indicators", met=False, detail="no public-service indicators recorded"))
    return CriteriaReport(checks=tuple(checks), year=year)


def _growth_check(facts: KeyAreaFacts, year: int | None = None) -> CriterionCheck:
    own, city = facts.income_growth_pct, facts.city_income_growth_pct
    if own is None or city is None:
        return CriterionCheck(name="income_growth", met=False, detail="income growth or the city average is not recorded")
    if mixed := other_years(year, growth=own, city_growth=city):
        return CriterionCheck(name="income_growth", met=False, detail="figures of another year: " + "; ".join(mixed))
    met = own.value > city.value  # 高于: strictly
    return CriterionCheck(
        name="income_growth",
        met=met,
        detail=f"growth {own.cite()}% {'>' if met else '≤'} city average {city.cite()}%",
    )
