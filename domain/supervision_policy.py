"""The configurable part of 正向激励 and 强化监督问责, read from data/policy/rules.json."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from domain.buffer import BufferRule
from domain.spot_check import DEFAULT_REMIND_AFTER_DAYS


class SupervisionPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    buffer: BufferRule = BufferRule()
    spot_check_remind_after_days: Annotated[int, Field(ge=1, le=366)] = DEFAULT_REMIND_AFTER_DAYS

    @classmethod
    def from_rules(cls, rules_doc: dict[str, Any]) -> "SupervisionPolicy":
        values: dict[str, Any] = {}
        if "support_buffer_until" in rules_doc:
            values["buffer"] = BufferRule(support_until=rules_doc["support_buffer_until"])
        remind = rules_doc.get("spot_check", {}).get("remind_after_days")
        if remind is not None:
            values["spot_check_remind_after_days"] = remind
        return cls(**values)
