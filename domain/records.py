"""Data a first stage records with its signature (the meeting of 民主评议, a survey, an application)."""

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from domain.procedures import RecordKind

Text = Annotated[str, Field(min_length=1, max_length=2000)]


class AppraisalRecord(BaseModel):
    """民主评议会: held by the 村两委 on a date, with those present, and what it concluded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    held_on: date
    attendance: Annotated[int, Field(ge=1, le=10_000)]
    result: Text


RECORD_MODELS: dict[RecordKind, type[BaseModel]] = {"appraisal": AppraisalRecord}
