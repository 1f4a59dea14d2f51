"""The wording of an enrolment's notice (纳入公示): which household the village two committees propose
to enrol, and why (新识别 or 返贫), never as an exit. Ids only: no personal data (domain/notice_text.py
words the exits' notices)."""

from zoneinfo import ZoneInfo

from domain.case import CaseState, NoticeWindow
from domain.county import TIME_ZONE
from domain.enrollment import REASON_ZH, reason_of


def enrollment_notice_body(case: CaseState, window: NoticeWindow | None) -> str:
    """`window` None before the notice's posting is recorded (the dates are then blank)."""
    zone = ZoneInfo(case.notice_rule.timezone) if case.notice_rule else TIME_ZONE
    reason = reason_of(case.decisions[0].record if case.decisions else None)
    title = f"{case.year}年拟纳入贫困户公示（{REASON_ZH[reason]}" + (f"，第{window.window_no}次）" if window else "）")
    if window is None:
        period = "公示期：自张贴之日起不少于7天（张贴时间由村登记）"
    else:
        opened = window.opened_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        closes = window.closes_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        period = f"公示期：{opened} 至 {closes}（不少于7天）"
    return (
        f"{title}\n"
        f"对象：{case.unit_id}\n"
        f"{period}\n"
        f"如有异议，请在公示期内向村两委反映（tuopin object {case.case_id}）。"
    )
