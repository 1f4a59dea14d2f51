"""Where a case stands, without its record: what a client polls for. Apart from domain.case (which
re-exports it) so that a command that only asks a case where it stands need not build the whole
case's models."""

from pydantic import BaseModel, ConfigDict


class CaseProgress(BaseModel):
    """Where a case stands, without its record: what a client polls for (opened yet? which stage?)."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    stage: str
    status: str
    ready: bool
    outcome_reason: str | None = None
    pass_id: str | None = None  # what a signature for the current stage must name
