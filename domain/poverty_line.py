"""The poverty lines (扶贫标准) by standard and year, each figure with where it comes from, and the
"stably above" rule.

A registered poor household was identified under one of two standards (附件1 counts the 国定 persons
apart): the national line (国定) or the province's own (省定), which may not be lower than the
national one. Each household is tested against the line of its own standard; where data/policy has
no provincial line for a year, the national line is applied and the report says so and why.
"""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Standard = Literal["national", "provincial"]
STANDARD_NAME: dict[str, str] = {"national": "国定 (national)", "provincial": "省定 (provincial)"}


class PovertyLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: Annotated[int, Field(ge=2000, le=2100)]
    yuan: Annotated[Decimal, Field(gt=0)]
    source: Annotated[str, Field(min_length=1)]
    standard: Standard = "national"


class AppliedLine(BaseModel):
    """The line a household's income is compared with, and why that one."""

    model_config = ConfigDict(frozen=True)

    line: PovertyLine
    reason: str


class PovertyLineTable(BaseModel):
    model_config = ConfigDict(frozen=True)

    lines: tuple[PovertyLine, ...]

    @model_validator(mode="after")
    def _one_line_a_year(self) -> "PovertyLineTable":
        keys = [(line.standard, line.year) for line in self.lines]
        if len(keys) != len(set(keys)):
            raise ValueError("the poverty line table lists a year twice for one standard")
        for line in self.lines:
            national = self.for_year(line.year)
            if line.standard == "provincial" and national is not None and line.yuan < national.yuan:
                raise ValueError(f"the provincial line of {line.year} ({line.yuan}) is below the national one ({national.yuan})")
        return self

    def for_year(self, year: int, standard: Standard = "national") -> PovertyLine | None:
        return next((line for line in self.lines if line.year == year and line.standard == standard), None)

    def for_household(self, year: int, nationally_defined: bool | None) -> AppliedLine | None:
        """The line of the household's own standard; None when not even the national line is known."""
        national = self.for_year(year)
        if nationally_defined:
            return AppliedLine(line=national, reason="the household was identified under the national standard (国定)") if national else None
        provincial = self.for_year(year, "provincial") if nationally_defined is False else None
        if provincial is not None:
            return AppliedLine(line=provincial, reason="the household was identified under the provincial standard (省定)")
        if national is None:
            return None
        if nationally_defined is None:
            return AppliedLine(line=national, reason=(
                "the case's facts do not say under which standard the household was identified (a case frozen "
                "before the registry's 国定 flag was read): the national line is applied, as it was then"
            ))
        return AppliedLine(line=national, reason=(
            f"the household was identified under the provincial standard (省定), and data/policy holds no "
            f"provincial line for {year}: the national line is applied, the lowest a provincial line may be "
            "(a provincial standard is never below the national one), so an income between the two lines "
            "would pass here"
        ))


class StabilityRule(BaseModel):
    """稳定超过: income above the line in the exit year and in the years before it.

    The default asks for the exit year and the one before; a county may ask for more.
    """

    model_config = ConfigDict(frozen=True)

    consecutive_years: Annotated[int, Field(ge=1, le=5)] = 2

    def years_for(self, exit_year: int) -> list[int]:
        return [exit_year - k for k in range(self.consecutive_years)]
