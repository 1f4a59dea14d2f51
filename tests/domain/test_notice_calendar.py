"""NoticeRule.closes_at: the first Asia/Shanghai midnight at or after posting + 7 × 24 h (公示不少于7天)."""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from domain.notice_calendar import MINIMUM_NOTICE_DAYS, NoticeRule

from .conftest import SHANGHAI, local

UTC = timezone.utc
SEVEN_DAYS = timedelta(days=7)


def elapsed(start: datetime, end: datetime) -> timedelta:
    """Real time between two aware datetimes (Python's same-tzinfo subtraction is wall-clock)."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def assert_valid_close(opened: datetime, closes: datetime, days: int = 7) -> None:
    assert closes.tzinfo is not None
    local_close = closes.astimezone(SHANGHAI)
    assert local_close.time() == time(0), f"{closes} is not a Shanghai midnight"
    assert elapsed(opened, closes) >= timedelta(days=days), f"{opened} -> {closes} is shorter than {days} days"
    # ... and it is the FIRST such midnight: one day earlier would be too short.
    assert elapsed(opened, closes - timedelta(days=1)) < timedelta(days=days)


@pytest.mark.parametrize(
    ("posted", "closes"),
    [
        (local(2017, 5, 10, 0, 0, 0), local(2017, 5, 17)),  # exactly at midnight: exactly 7 days
        (local(2017, 5, 10, 0, 0, 1), local(2017, 5, 18)),  # one second later: a whole day more
        (local(2017, 5, 10, 0, 30), local(2017, 5, 18)),
        (local(2017, 5, 10, 7, 59), local(2017, 5, 18)),  # before 08:00 local (previous UTC day)
        (local(2017, 5, 10, 9, 30), local(2017, 5, 18)),
        (local(2017, 5, 10, 12, 0), local(2017, 5, 18)),
        (local(2017, 5, 10, 18, 45), local(2017, 5, 18)),
        (local(2017, 5, 10, 23, 59, 59), local(2017, 5, 18)),
    ],
)
def test_posting_at_various_local_times(posted, closes):
    rule = NoticeRule()
    result = rule.closes_at(posted)
    assert result == closes
    assert result.astimezone(SHANGHAI).replace(tzinfo=None) == closes.replace(tzinfo=None)
    assert_valid_close(posted, result)


@pytest.mark.parametrize(
    ("posted", "closes"),
    [
        (local(2017, 5, 26, 10, 0), local(2017, 6, 3)),  # across May/June
        (local(2017, 4, 25, 15, 0), local(2017, 5, 3)),  # across April (30 days)/May
        (local(2017, 2, 22, 8, 0), local(2017, 3, 2)),  # February of a common year
        (local(2020, 2, 23, 12, 0), local(2020, 3, 2)),  # February of a leap year (29th counted)
        (local(2020, 2, 22, 12, 0), local(2020, 3, 1)),
        (local(2017, 12, 24, 15, 0), local(2018, 1, 1)),  # closes at New Year's midnight
        (local(2017, 12, 25, 9, 0), local(2018, 1, 2)),  # across the year end
        (local(2017, 12, 31, 23, 0), local(2018, 1, 8)),
    ],
)
def test_window_across_month_and_year_ends(posted, closes):
    result = NoticeRule().closes_at(posted)
    assert result == closes
    assert_valid_close(posted, result)


def test_posting_exactly_at_local_midnight_closes_exactly_seven_days_later():
    posted = local(2017, 5, 26)
    result = NoticeRule().closes_at(posted)
    assert result == local(2017, 6, 2)
    assert elapsed(posted, result) == SEVEN_DAYS


def test_posting_given_in_utc():
    # 2017-05-26 02:00 UTC is 10:00 in Qingliu: the month-end example given in UTC.
    posted = datetime(2017, 5, 26, 2, 0, tzinfo=UTC)
    result = NoticeRule().closes_at(posted)
    assert result == datetime(2017, 6, 2, 16, 0, tzinfo=UTC)
    assert result.astimezone(SHANGHAI) == local(2017, 6, 3)
    assert result.utcoffset() == timedelta(0)  # answered in the zone it was asked in
    assert_valid_close(posted, result)


def test_utc_time_that_is_local_midnight_closes_exactly_seven_days_later():
    posted = datetime(2017, 5, 25, 16, 0, tzinfo=UTC)  # 2017-05-26 00:00 in Qingliu
    result = NoticeRule().closes_at(posted)
    assert result == datetime(2017, 6, 1, 16, 0, tzinfo=UTC)
    assert elapsed(posted, result) == SEVEN_DAYS


def test_utc_evening_is_already_the_next_local_day():
    # 2017-12-31 20:00 UTC is 2018-01-01 04:00 in Qingliu: the local calendar decides.
    posted = datetime(2017, 12, 31, 20, 0, tzinfo=UTC)
    result = NoticeRule().closes_at(posted)
    assert result.astimezone(SHANGHAI) == local(2018, 1, 9)
    assert_valid_close(posted, result)


def test_fixed_plus_eight_offset_is_the_same_as_shanghai():
    plus8 = timezone(timedelta(hours=8))
    posted = datetime(2017, 5, 26, 10, 0, tzinfo=plus8)
    assert NoticeRule().closes_at(posted) == local(2017, 6, 3)


def test_always_at_least_seven_full_days_and_a_local_midnight():
    rule = NoticeRule()
    start = datetime(2017, 1, 1, 0, 0, tzinfo=UTC)
    step = timedelta(minutes=97)  # walks through every hour of the local day
    for n in range(0, 24 * 60 * 400 // 97, 7):  # ~ a year and a month, thinned
        posted = start + n * step
        assert_valid_close(posted, rule.closes_at(posted))
        assert elapsed(posted, rule.closes_at(posted)) < timedelta(days=8)


@pytest.mark.parametrize("days", [7, 8, 10, 15, 30, 90])
def test_longer_windows_follow_the_same_rule(days):
    rule = NoticeRule(days=days)
    for posted in (local(2017, 5, 26, 10), local(2017, 5, 26), datetime(2017, 12, 28, 3, tzinfo=UTC)):
        assert_valid_close(posted, rule.closes_at(posted), days=days)
    assert NoticeRule(days=10).closes_at(local(2017, 5, 26, 10)) == local(2017, 6, 6)


def test_defaults_are_the_policy_floor_in_qingliu_time():
    rule = NoticeRule()
    assert rule.days == MINIMUM_NOTICE_DAYS == 7
    assert rule.timezone == "Asia/Shanghai"


@pytest.mark.parametrize("days", [6, 1, 0, -1, -7])
def test_fewer_than_seven_days_is_refused(days):
    with pytest.raises(ValidationError) as info:
        NoticeRule(days=days)
    assert "days" in str(info.value)


def test_the_rule_cannot_be_lowered_after_construction():
    rule = NoticeRule()
    with pytest.raises(ValidationError):
        rule.days = 6  # frozen


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        NoticeRule().closes_at(datetime(2017, 5, 26, 10, 0))


def test_unknown_time_zone_is_refused():
    with pytest.raises(ValidationError, match="unknown time zone"):
        NoticeRule(timezone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError):
        NoticeRule(timezone="../etc/passwd")


def test_posting_given_in_a_zone_with_daylight_saving_still_gets_seven_full_days():
    london = ZoneInfo("Europe/London")
    posted = datetime(2017, 3, 20, 16, 30, tzinfo=london)  # 2017-03-21 00:30 in Qingliu; BST starts 03-26
    result = NoticeRule().closes_at(posted)
    assert elapsed(posted, result) >= SEVEN_DAYS
    assert result.astimezone(SHANGHAI) == local(2017, 3, 29)
