"""The wording of notices (公示) and announcements (公告). Ids and figures only: no personal data."""

from zoneinfo import ZoneInfo

from domain.case import CaseState, NoticeWindow
from domain.county import TIME_ZONE

_UNIT_WORD = {"household": "贫困户", "village": "贫困村", "township": "重点乡", "county": "重点县"}


def notice_body(case: CaseState, window: NoticeWindow) -> str:
    zone = ZoneInfo(case.notice_rule.timezone) if case.notice_rule else TIME_ZONE
    opened = window.opened_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    closes = window.closes_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return (
        f"{case.year}年拟退出{'空壳村' if case.designation == 'hollow' else _UNIT_WORD[case.exit_type]}公示（第{window.window_no}次）\n"
        f"对象：{case.unit_id}\n"
        f"公示期：{opened} 至 {closes}（不少于7天）\n"
        f"如有异议，请在公示期内向{_responsible(case)}反映（tuopin object {case.case_id}）。"
    )


def announcement_body(case: CaseState, kind: str) -> str:
    if kind == "filing":
        return f"备案：{case.year}年{_UNIT_WORD[case.exit_type]} {case.unit_id} 已批准退出（{case.case_id}）。"
    return f"公告：{case.year}年{_UNIT_WORD[case.exit_type]} {case.unit_id} 经批准退出（{case.case_id}）。"


def _responsible(case: CaseState) -> str:
    return {"household": "村两委", "village": "乡镇党委、政府", "township": "市精准扶贫领导小组"}.get(
        case.exit_type, "领导小组"
    )
