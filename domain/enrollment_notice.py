"""The wording of an enrolment's notice (纳入公示): which household the village two committees propose
to enrol, and why (新识别 or 返贫), never as an exit. Ids only: no personal data (domain/notice_text.py
words the exits' notices)."""

from zoneinfo import ZoneInfo

from domain.case import CaseState, NoticeWindow
from domain.county import TIME_ZONE
from domain.enrollment import REASON_ZH


def enrollment_notice_body(case: CaseState, window: NoticeWindow, reason: str) -> str:
    zone = ZoneInfo(case.notice_rule.timezone) if case.notice_rule else TIME_ZONE
    opened = window.opened_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    closes = window.closes_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return (
        f"{case.year}年拟纳入贫困户公示（{REASON_ZH[reason]}，第{window.window_no}次）\n"
        f"对象：{case.unit_id}\n"
        f"公示期：{opened} 至 {closes}（不少于7天）\n"
        f"如有异议，请在公示期内向村两委反映（tuopin object {case.case_id}）。"
    )
