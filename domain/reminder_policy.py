"""When a waiting case earns a reminder, and when it is escalated to the level above."""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.roles import ROLE_LEVEL, Level, Role

ReminderKind = Literal["reminder", "escalation"]


class ReminderRule(BaseModel):
    model_config = ConfigDict(frozen=True)

    remind_after_hours: Annotated[float, Field(ge=0)]
    escalate_after_hours: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _escalate_later(self) -> "ReminderRule":
        if self.escalate_after_hours < self.remind_after_hours:
            raise ValueError("escalation cannot come before the reminder")
        return self


class ReminderPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    default: ReminderRule
    stages: dict[str, ReminderRule] = Field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> "ReminderPolicy":
        return cls(default=doc["default"], stages=doc.get("stages", {}))

    def rule(self, stage: str) -> ReminderRule:
        return self.stages.get(stage, self.default)

    def due(self, stage: str, waiting_since: datetime, now: datetime) -> list[ReminderKind]:
        rule = self.rule(stage)
        waited = now - waiting_since
        kinds: list[ReminderKind] = []
        if waited >= timedelta(hours=rule.remind_after_hours):
            kinds.append("reminder")
        if waited >= timedelta(hours=rule.escalate_after_hours):
            kinds.append("escalation")
        return kinds


# The level an escalation goes to, and who there hears of it.
ESCALATE_TO: dict[Level, tuple[Level, tuple[Role, ...]]] = {
    Level.household: (Level.village, (Role.village_secretary, Role.village_director)),
    Level.village: (Level.township, (Role.township_secretary, Role.township_head)),
    Level.township: (Level.county, (Role.county_group,)),
    Level.county: (Level.city, (Role.city_group,)),
    Level.city: (Level.province, (Role.province_group,)),
}


def level_of(role: str) -> Level:
    return ROLE_LEVEL[Role(role)]
