"""正向激励 (清委办〔2017〕25号 二.4): 贫困人口脱贫、贫困村、贫困乡出列后，在脱贫攻坚期内（至2020年），原有精准扶贫
政策保持不变，支持力度不减，留出缓冲期 — an exited unit keeps its support until the buffer's end
(摘帽不摘政策). Pure: "today" is always a parameter."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, field_validator

from domain.county import TIME_ZONE

# 至2020年: the end of the 脱贫攻坚期. Configuration may lengthen the buffer, never shorten it.
POLICY_BUFFER_END = date(2020, 12, 31)


class BufferRule(BaseModel):
    model_config = ConfigDict(frozen=True)

    support_until: date = POLICY_BUFFER_END

    @field_validator("support_until")
    @classmethod
    def _not_shorter_than_the_policy(cls, value: date) -> date:
        if value < POLICY_BUFFER_END:
            raise ValueError(
                f"support_buffer_until {value} is before {POLICY_BUFFER_END}: the policy keeps support unchanged "
                "through the end of 2020 (在脱贫攻坚期内（至2020年）…保持不变); it may be lengthened, never shortened"
            )
        return value


def local_date(value: datetime | date | None) -> date | None:
    """The Qingliu calendar day of an instant (the registry stores UTC)."""
    if value is None or not isinstance(value, datetime):
        return value
    return value.astimezone(TIME_ZONE).date() if value.tzinfo else value.date()


def judged_on(year: int, today: date) -> date:
    """The day a report on `year` judges the buffer period on: the year's last day, or `today` while
    the year is still running (a report on 2017 speaks of 2017, not of the day it is printed)."""
    return min(date(year, 12, 31), today)


def in_buffer(status: str | None, exited_on: date | None, today: date, rule: BufferRule) -> bool:
    """Exited (and not after ``today``) and ``today`` not past the buffer's end."""
    if status != "exited":
        return False
    if exited_on is not None and exited_on > today:
        return False
    return today <= rule.support_until
