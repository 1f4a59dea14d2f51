"""Data a stage records with its signature: the 民主评议 meeting, a village survey, an application,
and a reviewer's finding on each public-service indicator."""

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.procedures import RecordKind
from domain.text import Name, Ref, Text


class AppraisalRecord(BaseModel):
    """民主评议会: held by the 村两委 on a date, with those present, and what it concluded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    held_on: date
    attendance: Annotated[int, Field(ge=1, le=10_000)]
    result: Text


class EnrollmentAppraisalRecord(AppraisalRecord):
    """民主评议 of an enrolment (domain/enrollment.py): the meeting, and why the household is poor:
    newly identified (新识别) or returned to poverty (返贫)."""

    reason: Literal["newly-poor", "returned"]


class SurveyRecord(BaseModel):
    """调查核实: the township's departments surveyed the village; the weighed factors as findings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    held_on: date  # when the survey was done
    departments: Annotated[list[Name], Field(min_length=1, max_length=30)]
    infrastructure: Text  # 村内基础设施
    public_services: Text  # 基本公共服务
    industry: Text  # 产业发展
    collective_economy: Text  # 集体经济

    @field_validator("departments", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in re.split(r"[,，、;；]", value) if part.strip()]
        return value


class ApplicationRecord(BaseModel):
    """乡申请 / 县申请: the application document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    held_on: date  # the date of the application
    document_ref: Ref
    summary: Text


class IndicatorFinding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    close: bool  # 接近平均水平, in the reviewer's judgement
    note: Text


class IndicatorFindings(BaseModel):
    """The reviewer's finding on each public-service indicator the case was opened with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    findings: dict[str, IndicatorFinding]


RECORD_MODELS: dict[RecordKind, type[BaseModel]] = {
    "appraisal": AppraisalRecord,
    "enrollment_appraisal": EnrollmentAppraisalRecord,
    "survey": SurveyRecord,
    "application": ApplicationRecord,
    "indicator_findings": IndicatorFindings,
}


def normalize_record(kind: RecordKind | None, record: dict[str, Any] | None) -> dict[str, Any] | None:
    """The record as the case will store it. A signer signs this form, so the signature a dossier
    shows covers exactly the record the case holds (e.g. "a,b" departments become a list)."""
    if record is None or kind is None:
        return record
    try:
        return RECORD_MODELS[kind].model_validate(record).model_dump(mode="json")
    except ValueError:
        return record  # invalid: let the case refuse it with its own message
