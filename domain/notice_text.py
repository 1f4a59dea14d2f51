"""The wording of notices (公示) and announcements (公告). A notice names the household (公示 names it)
and shows the figures its exit rests on (domain/notice_content.py); never an ID number or a phone of
the household."""

from zoneinfo import ZoneInfo

from domain.case import CaseState, NoticeWindow
from domain.county import TIME_ZONE
from domain.notice_content import (
    checked_income_years, contact_lines, figure_lines, local, subject_lines, unit_word,
)
from domain.notice_posting import postings


def notice_body(case: CaseState, window: NoticeWindow | None) -> str:
    """The notice as posted: `window` None before its posting is recorded (the dates are then blank).
    An enrolment's notice is worded as one (domain/enrollment_notice.py), never as an exit."""
    if case.exit_type == "enrollment":
        from domain.enrollment_notice import enrollment_notice_body

        return enrollment_notice_body(case, window)
    zone = ZoneInfo(case.notice_rule.timezone) if case.notice_rule else TIME_ZONE
    word = unit_word(case.exit_type, case.designation)
    lines = [f"{case.year}年拟退出{word}公示" + (f"（第{window.window_no}次）" if window else "")]
    p = case.notice_particulars
    if p is None:  # a case issued before notices carried their particulars
        lines.append(f"对象：{case.unit_id}")
    else:
        lines += [f"{label}：{value}" for label, value in subject_lines(case.exit_type, case.designation, p)]
        years = checked_income_years(case.criteria, case.year)
        lines += [f"{label}：{value}" for label, value in figure_lines(case.exit_type, case.facts, p, years)]
    places = postings(case)
    if places:
        lines += [f"张贴地点：{x.place}（{local(x.posted_at, zone)} 张贴）" for x in places]
    if window is not None:
        lines.append(f"公示期：{local(window.opened_at, zone)} 至 {local(window.closes_at, zone)}（不少于7天）")
    else:
        lines.append("公示期：自张贴之日起不少于7天（张贴时间由村（乡镇）登记）")
    lines.append(f"发布时间：{local(case.notice_issued_at, zone)}")
    if p is not None:
        lines += contact_lines(p, responsible(case))
    else:
        lines.append(f"如有异议，请在公示期内向{responsible(case)}反映。")
    return "\n".join(lines)


def announcement_body(case: CaseState, kind: str) -> str:
    word = unit_word(case.exit_type, case.designation)
    if kind == "filing":
        return f"备案：{case.year}年{word} {case.unit_id} 已批准退出（{case.case_id}）。"
    return f"公告：{case.year}年{word} {case.unit_id} 经批准退出（{case.case_id}）。"


def responsible(case: CaseState) -> str:
    return {"household": "村两委", "village": "乡镇党委、政府", "township": "市精准扶贫领导小组"}.get(
        case.exit_type, "领导小组"
    )
