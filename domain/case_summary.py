"""What an operator reads in the Web UI: a one-line static summary at start and the current details
(Markdown) kept up to date. Ids, roles and dates only: no personal data."""

from domain.case import CaseState
from domain.county import TIME_ZONE_NAME, local_time
from domain.procedures import PROCEDURES
from domain.roles import ROLE_TITLE_ZH, Role

_TYPE_ZH = {"household": "贫困户退出", "village": "贫困村退出", "township": "重点乡退出", "county": "重点县退出",
            "enrollment": "贫困户纳入"}


def static_summary(exit_type: str, unit_id: str, year: int, designation: str | None = None) -> str:
    kind = "空壳村退出" if designation == "hollow" else _TYPE_ZH[exit_type]
    return f"{kind} · {unit_id} · {year}"


def static_details(exit_type: str) -> str:
    procedure = PROCEDURES[exit_type]
    steps = " → ".join(f"{s.title_zh} (`{s.id}`)" for s in procedure.stages)
    return f"**{procedure.title_zh}** per 清委办〔2017〕25号\n\n{steps}"


def current_details(case: CaseState) -> str:
    procedure = PROCEDURES[case.exit_type]
    stage = procedure.stage(case.stage)
    lines = [f"**Status:** {case.status} · **Stage:** {stage.title_zh} (`{stage.id}`)"]
    if case.status != "open":
        if case.outcome_reason:
            lines.append(f"**Reason:** {case.outcome_reason}")
        return "\n\n".join(lines)
    if case.awaiting:
        who = ", ".join(f"{ROLE_TITLE_ZH[Role(a.role)]} `{a.role}@{a.jurisdiction}`" for a in case.awaiting)
        since = local_time(case.awaiting_since) if case.awaiting_since else "?"
        lines.append(f"**Waiting for:** {who} (since {since})")
    window = case.current_notice()
    if window is not None:
        closes = local_time(window.closes_at)
        open_objections = case.open_objections()
        if open_objections:
            lines.append(f"**Notice #{window.window_no}:** suspended by {len(open_objections)} open objection(s); "
                         f"would have closed {closes} ({TIME_ZONE_NAME})")
            lines.extend(f"- objection `{o.objection_id}`: {o.reason}" for o in open_objections)
        else:
            lines.append(f"**Notice #{window.window_no}:** open until {closes} ({TIME_ZONE_NAME})")
    if case.reminders:
        last = case.reminders[-1]
        lines.append(f"**Reminders:** {len(case.reminders)}; last {last.kind} to `{last.recipient}` on {last.at.date()}")
    return "\n\n".join(lines)
