"""How a list (名单) is shown: `tuopin show LIST --json` and the one printable notice for the list.
Derived from the member cases as they are now; ids and dates only, no personal data."""

from __future__ import annotations

from typing import Any

from domain.case import CaseState
from domain.county import TIME_ZONE
from domain.list_state import ListState


def _local(value: Any) -> str | None:
    return value.astimezone(TIME_ZONE).strftime("%Y-%m-%d %H:%M") if value else None


def list_notice(names: ListState, members: list[CaseState]) -> dict[str, Any] | None:
    """The list's one notice: a line per member whose 公示 is issued (awaiting the posting the village
    records once for the list) or open now; None when none is. Each member keeps its own window (an
    objection suspends that member only); the list posts them together."""
    from domain.notice_posting import awaiting_posting

    lines = []
    for case in members:
        if case.status != "open" or case.stage != "notice":
            continue
        window = case.current_notice()
        if window is not None:
            lines.append({
                "case_id": case.case_id, "unit_id": case.unit_id, "window_no": window.window_no, "posted": True,
                "opened_at": window.opened_at.isoformat(), "closes_at": window.closes_at.isoformat(),
                "open_objections": len([o for o in case.open_objections() if o.window_no == window.window_no]),
            })
        elif awaiting_posting(case):
            lines.append({"case_id": case.case_id, "unit_id": case.unit_id, "window_no": None, "posted": False,
                          "opened_at": None, "closes_at": None, "open_objections": 0})
    if not lines:
        return None
    opened = [x["opened_at"] for x in lines if x["opened_at"]]
    closes = [x["closes_at"] for x in lines if x["closes_at"]]
    return {"members": lines, "opened_at": min(opened) if opened else None, "closes_at": max(closes) if closes else None}


def list_document(names: ListState, members: list[CaseState]) -> dict[str, Any]:
    """`tuopin show LIST --json`: the list, its derived stage and status, who it awaits, and its members."""
    at_stage = [m for m in members if m.status == "open" and m.stage == names.stage]
    awaiting: dict[str, int] = {}
    for member in at_stage:
        for a in member.awaiting:
            awaiting[a.key()] = awaiting.get(a.key(), 0) + 1
    return {
        "list_id": names.list_id, "exit_type": names.exit_type, "unit_id": names.unit_id, "year": names.year,
        "stage": names.stage, "status": names.status, "opened_by": names.opened_by,
        "opened_at": names.opened_at.isoformat(),
        "awaiting": [{"who": k, "members": n} for k, n in sorted(awaiting.items())],
        "notice": list_notice(names, members),
        "members": [{"case_id": m.case_id, "unit_id": m.unit_id, "stage": m.stage, "status": m.status,
                     "outcome_reason": m.outcome_reason} for m in members],
        "decisions": [d.model_dump(mode="json") for d in names.decisions],
    }


def list_text(doc: dict[str, Any]) -> str:
    lines = [
        f"list      {doc['list_id']}",
        f"unit      {doc['exit_type']} list of {doc['unit_id']}, exit year {doc['year']}",
        f"status    {doc['status']}",
        f"stage     {doc['stage']} (its earliest open member's)",
        "awaiting  " + (", ".join(f"{a['who']} ({a['members']})" for a in doc["awaiting"]) or "-"),
        "members",
    ]
    lines += [f"  {m['case_id']:48} {m['stage']:18} {m['status']}" for m in doc["members"]]
    return "\n".join(lines)


_UNIT_WORD = {"household": "贫困户", "village": "村"}
_RESPONSIBLE = {"household": "村两委", "village": "乡镇党委、政府"}
_ONE = {"household": "户", "village": "村"}


def notice_print(doc: dict[str, Any]) -> str:
    """The one notice posted for the list (公示), each line one member with its own window."""
    notice = doc["notice"]
    word = _UNIT_WORD.get(doc["exit_type"], "")
    head = [f"{doc['year']}年拟退出{word}名单公示", f"名单：{doc['list_id']}（{doc['unit_id']}）"]
    if notice is None:
        return "\n".join([*head, "（目前没有成员处于公示期）"])
    lines = [
        f"{n}. {m['unit_id']}  "
        + (f"公示期：{_local_text(m['opened_at'])} 至 {_local_text(m['closes_at'])}（不少于7天）" if m["posted"]
           else "公示期：自张贴之日起不少于7天")
        + (f"  第{m['window_no']}次公示" if (m["window_no"] or 0) > 1 else "")
        for n, m in enumerate(notice["members"], 1)
    ]
    one = _ONE.get(doc["exit_type"], "户")
    tail = (f"如对某{one}有异议，请在该{one}公示期内向{_RESPONSIBLE.get(doc['exit_type'], '领导小组')}反映，并指明该{one}"
            f"（tuopin object <该{one}案件号>）；异议只影响该{one}。")
    return "\n".join([*head, *lines, tail])


def _local_text(iso: str) -> str:
    from datetime import datetime

    return _local(datetime.fromisoformat(iso)) or "-"
