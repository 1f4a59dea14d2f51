"""When a public notice (公示) may close: never before 7 full days, at a local midnight."""

from datetime import datetime, time, timedelta, timezone
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.county import TIME_ZONE_NAME

MINIMUM_NOTICE_DAYS = 7  # 公示不少于7天: the policy's floor, not a default


class NoticeRule(BaseModel):
    model_config = ConfigDict(frozen=True)

    days: Annotated[int, Field(ge=MINIMUM_NOTICE_DAYS, le=90)] = MINIMUM_NOTICE_DAYS
    timezone: str = TIME_ZONE_NAME

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    def closes_at(self, opened_at: datetime) -> datetime:
        """The first local midnight at or after opened_at + days × 24 h, so every day counts whole."""
        if opened_at.tzinfo is None:
            raise ValueError("opened_at must carry a time zone")
        zone = ZoneInfo(self.timezone)
        # in UTC: aware arithmetic in a zone with daylight saving would add wall-clock days
        earliest = (opened_at.astimezone(timezone.utc) + timedelta(days=self.days)).astimezone(zone)
        midnight = datetime.combine(earliest.date(), time(0), tzinfo=zone)
        if midnight < earliest:
            midnight = datetime.combine(earliest.date() + timedelta(days=1), time(0), tzinfo=zone)
        return midnight.astimezone(opened_at.tzinfo)
