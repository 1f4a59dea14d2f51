"""A registry figure as a case freezes it: the value, its year and where it comes from."""

from decimal import ROUND_HALF_EVEN, Decimal

from pydantic import BaseModel, ConfigDict


class Figure(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: Decimal
    year: int
    source: str

    def cite(self) -> str:
        return f"{self.value} ({self.year}, {self.source})"


def other_years(year: int | None, **figures: "Figure | None") -> list[str]:
    """The figures that are not of `year` (a criterion compares figures of one year only)."""
    if year is None:
        return []
    return [f"{name} is of {f.year}, not {year}" for name, f in figures.items() if f is not None and f.year != year]


class Incidence(BaseModel):
    """贫困发生率 = registered poor persons not yet exited ÷ rural population, computed by SQL at opening."""

    model_config = ConfigDict(frozen=True)

    poor_persons: int
    rural_population: int

    def percent(self, rounding: str = ROUND_HALF_EVEN) -> Decimal:
        """Two decimals. A check shows its figure rounded toward its verdict (ROUND_DOWN for "below",
        ROUND_UP for "at or below"), so a shown 2.00% never contradicts the check's result."""
        if self.rural_population <= 0:
            return Decimal("100")
        exact = Decimal(self.poor_persons) * 100 / Decimal(self.rural_population)
        return exact.quantize(Decimal("0.01"), rounding=rounding)

    def below(self, percent: int) -> bool:
        """低于: strictly below, compared exactly in integers."""
        return self.rural_population > 0 and self.poor_persons * 100 < percent * self.rural_population

    def at_or_below(self, percent: int) -> bool:
        """以下: the number itself included."""
        return self.rural_population > 0 and self.poor_persons * 100 <= percent * self.rural_population

    def describe(self, rounding: str = ROUND_HALF_EVEN) -> str:
        return f"{self.poor_persons} poor persons / {self.rural_population} rural population = {self.percent(rounding)}%"
