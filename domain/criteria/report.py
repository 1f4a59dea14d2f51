"""The outcome of checking a unit against its exit criteria: every check with its figures."""

from pydantic import BaseModel, ConfigDict


class CriterionCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    met: bool
    detail: str


class CriteriaReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    checks: tuple[CriterionCheck, ...]
    year: int | None = None  # the exit year whose figures every check compares (None in older cases)

    @property
    def met(self) -> bool:
        return all(check.met for check in self.checks)

    def failures(self) -> list[str]:
        return [f"{c.name}: {c.detail}" for c in self.checks if not c.met]
