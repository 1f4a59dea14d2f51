"""A 空壳村's notice names it a 空壳村, not a 贫困村 (清委办〔2017〕25号 三(二)2 "拟退出村名单在乡镇和所在村内公示";
三(二) plans "贫困村及贫困空壳村退出" as two lists, and the villagers are told which one the village is on)."""

from datetime import datetime, timezone

import pytest

from domain.case import CaseState, NoticeWindow
from domain.notice_text import notice_body
from domain.units import UnitPath

AT = datetime(2017, 9, 1, tzinfo=timezone.utc)


def village_case(designation: str) -> CaseState:
    return CaseState(
        case_id=f"village-exit/changxiao-hepai/{designation}/2017", exit_type="village", unit_id="changxiao-hepai",
        year=2017, status="open", stage="notice", opened_by="changxiao-secretary", opened_at=AT,
        designation=designation,
        unit_path=UnitPath(province_id="fujian", city_id="sanming", county_id="qingliu", township_id="changxiao",
                           village_id="changxiao-hepai"),
    )


@pytest.mark.parametrize(("designation", "word", "not_word"), [("hollow", "空壳村", "贫困村"), ("poor", "贫困村", "空壳村")])
def test_the_notice_names_the_list_the_village_is_on(designation, word, not_word):
    window = NoticeWindow(window_no=1, stage="notice", opened_at=AT, closes_at=AT, scopes=[])
    body = notice_body(village_case(designation), window)
    assert f"2017年拟退出{word}公示" in body and not_word not in body
