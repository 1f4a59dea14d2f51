"""First-stage records and stage walks for village, key-township and key-county cases."""

from datetime import date

from domain import indicators as ind
from domain.messages import DecisionCommand
from tests.support.small_registry import COUNTY, TOWNSHIP

TS, TH = f"{TOWNSHIP}-secretary", f"{TOWNSHIP}-head"
CG, CS, CH = f"{COUNTY}-group", f"{COUNTY}-secretary", f"{COUNTY}-head"
MG, MS, MM, PG = "sanming-group", "sanming-secretary", "sanming-mayor", "fujian-group"


def survey(official: str = TS, meeting: str = "长校镇党政班子会议〔2018〕5号", **changes: object) -> DecisionCommand:
    record = {
        "held_on": date(2018, 9, 10).isoformat(),
        "departments": "镇扶贫办、镇财政所,县交通局",
        "infrastructure": "道路硬化到组，安全饮水全覆盖",
        "public_services": "村卫生室、文化活动室齐全",
        "industry": "茶叶、烟叶产业稳定",
        "collective_economy": "光伏电站与店面出租年收入15万元",
        **changes,
    }
    return DecisionCommand(stage="survey", outcome="approve", official_id=official, meeting_ref=meeting, record=record)


def application(official: str, meeting: str = "申请会议〔2018〕1号") -> DecisionCommand:
    return DecisionCommand(
        stage="application", outcome="approve", official_id=official, meeting_ref=meeting,
        record={"held_on": date(2018, 10, 8).isoformat(), "document_ref": "申请〔2018〕1号", "summary": "对照退出条件，申请退出"},
    )


def findings(close: bool = True, skip: int = 0) -> dict:
    names = list(ind.SERVICE_INDICATORS)[skip:]
    return {"findings": {n: {"close": close, "note": "与平均水平相差不足2个百分点"} for n in names}}
