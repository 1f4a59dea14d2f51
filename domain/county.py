"""The county this deployment serves: Qingliu (清流县), whose plan is 清委办〔2017〕25号.

Its time zone is the one every local date and time is read in: the notice's midnights (the default of
``NoticeRule.timezone``), "today" for a meeting date or the buffer period, the reminder Schedule, and
every time shown to people. Its id names the folder of its reference data under ``data/``.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

COUNTY_ID = "qingliu"
TIME_ZONE_NAME = "Asia/Shanghai"
TIME_ZONE = ZoneInfo(TIME_ZONE_NAME)


def local_time(value: datetime) -> str:
    """A moment as people in the county read it, with its offset: `2017-03-08 00:00+08:00`."""
    return value.astimezone(TIME_ZONE).isoformat(sep=" ", timespec="minutes")
