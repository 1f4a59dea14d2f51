"""The configurable part of the policy, frozen into each case when it opens."""

from typing import Any

from pydantic import BaseModel, ConfigDict

from domain.notice_calendar import NoticeRule
from domain.poverty_line import PovertyLineTable, StabilityRule


class PolicyConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    poverty_lines: PovertyLineTable
    stability: StabilityRule = StabilityRule()
    notice: NoticeRule = NoticeRule()

    @classmethod
    def from_documents(cls, lines_doc: dict[str, Any], rules_doc: dict[str, Any]) -> "PolicyConfig":
        return cls(
            poverty_lines=PovertyLineTable(lines=tuple(lines_doc["lines"])),
            stability=StabilityRule(**rules_doc.get("stability", {})),
            notice=NoticeRule(**rules_doc.get("notice", {})),
        )
