"""A registry figure as a case freezes it: the value, its year and where it comes from."""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class Figure(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: Decimal
    year: int
    source: str

    def cite(self) -> str:
        return f"{self.value} ({self.year}, {self.source})"


class Incidence(BaseModel):
    """贫困发生率 = registered poor persons not yet exited ÷ rural population, computed by SQL at opening."""

    model_config = ConfigDict(frozen=True)

    poor_persons: int
    rural_population: int

    def percent(self) -> Decimal:
        if self.rural_population <= 0:
            return Decimal("100")
        return (Decimal(self.poor_persons) * 100 / Decimal(self.rural_population)).quantize(Decimal("0.01"))

    def below(self, percent: int) -> bool:
        """低于: strictly below, compared exactly in integers."""
        return self.rural_population > 0 and self.poor_persons * 100 < percent * self.rural_population

    def at_or_below(self, percent: int) -> bool:
        """以下: the number itself included."""
        return self.rural_population > 0 and self.poor_persons * 100 <= percent * self.rural_population

    def describe(self) -> str:
        return f"{self.poor_persons} poor persons / {self.rural_population} rural population = {self.percent()}%"
