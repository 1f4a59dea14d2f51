"""How cases and listings look: a JSON document for machines, aligned text for people.

One time zone in everything people read: the county's (domain/county.py), with its offset, to the
minute; `--json` keeps ISO 8601 as the data has it. Lists read as comma-separated values."""

import json
import re
import unicodedata
from datetime import date, datetime
from typing import Any

import click

from domain.case import CaseState
from domain.county import TIME_ZONE_NAME, local_time
from domain.procedures import PROCEDURES


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def case_document(state: CaseState) -> dict[str, Any]:
    doc = state.model_dump(mode="json", exclude={"filled", "meeting_refs", "pending_return", "ready"})
    last = state.notices[-1] if state.notices else None
    doc["notice"] = (
        None
        if last is None
        else {
            **last.model_dump(mode="json"),
            "objections": [o.model_dump(mode="json") for o in state.objections if o.window_no == last.window_no],
        }
    )
    doc["awaiting"] = [a.model_dump() for a in state.awaiting]
    return doc


def _local(value: Any) -> str:
    """A moment as people in the county read it: `2017-03-08 00:00+08:00`."""
    return local_time(value) if value else "-"


_ISO_MOMENT = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")


def cell(value: Any) -> str:
    """A table cell for people: moments in the county's time, lists comma-separated, nothing as blank."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return _local(value)
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        return _local(datetime.fromisoformat(value.replace("Z", "+00:00")))
    if isinstance(value, (list, tuple, set)):
        return ", ".join(cell(v) for v in value) or "-"
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def case_text(state: CaseState) -> str:
    procedure = PROCEDURES[state.exit_type]
    title = procedure.stage(state.stage).title_zh
    lines = [
        f"case      {state.case_id}",
        f"unit      {state.exit_type} {state.unit_id}, {'year' if state.exit_type == 'enrollment' else 'exit year'} {state.year}",
        f"status    {state.status}" + ("" if state.ready or state.status != "open" else " (opening)"),
        f"stage     {state.stage} ({title})  [{' → '.join(procedure.stage_ids())}]",
    ]
    if state.simulation:
        lines.append(f"SIMULATION  load-test case: notice of {state.simulation.notice_seconds} s (never valid for a real exit)")
    if state.outcome_reason:
        lines.append(f"reason    {state.outcome_reason}")
    if state.status == "open":
        waiting = ", ".join(f"{a.role}@{a.jurisdiction}" for a in state.awaiting)
        window = state.current_notice()
        if not waiting and window is not None:
            waiting = f"the notice window to close at {_local(window.closes_at)} ({TIME_ZONE_NAME})"
        lines.append(f"awaiting  {waiting or '-'}")
    for window in state.notices:
        status = "open" if window.closed_at is None else f"closed {_local(window.closed_at)} ({window.outcome})"
        lines.append(f"notice #{window.window_no} {_local(window.opened_at)} → {_local(window.closes_at)}: {status}")
        for o in state.objections:
            if o.window_no == window.window_no:
                extra = f" by {o.resolved_by}: {o.finding}" if o.resolved_by else ""
                lines.append(f"  objection {o.objection_id} [{o.status}{extra}] from {o.name}: {o.reason}")
    if state.decisions:
        lines.append("decisions")
    for d in state.decisions:
        parts = [f"  #{d.seq} {_local(d.at)} {d.stage} {d.outcome}"]
        if d.to_stage:
            parts.append(f"→ {d.to_stage}")
        parts.append(f"by {d.official_id} ({d.role}, {d.jurisdiction_id})")
        if d.meeting_ref:
            parts.append(f"meeting {d.meeting_ref}")
        if d.note:
            parts.append(f"— {d.note}")
        if d.superseded:
            parts.append("[superseded by a return]")
        lines.append(" ".join(parts))
    for a in state.announcements:
        lines.append(f"{a.kind} in {a.level} {a.jurisdiction_id} at {_local(a.at)}")
    if state.registry_change:
        rc = state.registry_change
        lines.append(f"registry  {rc['unit_id']}: {rc['from_status']} → {rc['to_status']} (销号)")
    return "\n".join(lines)


def _width(text: str) -> int:
    """Terminal columns: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    if not rows:
        return "(none)"
    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(_width(c), *(_width(row[i]) for row in cells)) for i, c in enumerate(columns)]
    head = "  ".join(_pad(c, widths[i]) for i, c in enumerate(columns))
    body = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in cells]
    return "\n".join([head.rstrip(), *body])
