"""The poverty line (扶贫标准) by year, each figure with where it comes from, and the "stably above" rule."""

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PovertyLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: Annotated[int, Field(ge=2000, le=2100)]
    yuan: Annotated[Decimal, Field(gt=0)]
    source: Annotated[str, Field(min_length=1)]


class PovertyLineTable(BaseModel):
    model_config = ConfigDict(frozen=True)

    lines: tuple[PovertyLine, ...]

    @model_validator(mode="after")
    def _one_line_a_year(self) -> "PovertyLineTable":
        years = [line.year for line in self.lines]
        if len(years) != len(set(years)):
            raise ValueError("the poverty line table lists a year twice")
        return self

    def for_year(self, year: int) -> PovertyLine | None:
        return next((line for line in self.lines if line.year == year), None)


class StabilityRule(BaseModel):
    """稳定超过: income above the line in the exit year and in the years before it.

    The default asks for the exit year and the one before; a county may ask for more.
    """

    model_config = ConfigDict(frozen=True)

    consecutive_years: Annotated[int, Field(ge=1, le=5)] = 2

    def years_for(self, exit_year: int) -> list[int]:
        return [exit_year - k for k in range(self.consecutive_years)]
