"""A case's dossier (档案) as ONE self-contained HTML page: inline CSS, no executable script, fonts,
images or links; it opens offline and prints on A4. Rendered from the dossier document itself (not the
case), so the page shows exactly what the chain covers. Every piece of text is escaped.

The page carries the JSON dossier it shows, in a data block (`<script type="application/json">`, which
a browser never runs), so `tuopin dossier verify` checks the page itself: it verifies the JSON it
carries and then renders it again; a page whose visible content differs from that rendering was
altered and is refused (docs/security.md, "The dossier")."""

import hashlib
import json
import re
from datetime import datetime
from html import escape
from typing import Any

from domain.county import TIME_ZONE_NAME, local_time
from domain.procedures import PROCEDURES
from domain.roles import ROLE_TITLE_ZH, Role

SUPERSEDED = ' class="superseded"'

CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", "SimSun", "Noto Serif", serif;
       color: #1b1f23; line-height: 1.45; margin: 1.5em auto; max-width: 60em; padding: 0 1em; font-size: 10.5pt; }
h1, h2, h3, th, .label { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
       "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.5em; margin: 0 0 .3em; }
h2 { font-size: 1.15em; margin: 1.4em 0 .4em; border-bottom: 1px solid #9aa5b1; }
table { border-collapse: collapse; width: 100%; font-size: .9em; margin: .3em 0; }
th, td { border: 1px solid #c8d0d8; padding: .25em .45em; text-align: left; vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
table.facts th { width: 11em; }
.mono, code { font-family: "Noto Sans Mono CJK SC", "DejaVu Sans Mono", Consolas, monospace; font-size: .85em;
       word-break: break-all; }
.muted { color: #57606a; }
.superseded { color: #7a7a7a; text-decoration: line-through; }
.bad { color: #8a1c0f; font-weight: 600; }
.good { color: #1a6b2f; font-weight: 600; }
pre.body { white-space: pre-wrap; margin: .2em 0; font-family: inherit; background: #f6f8fa; padding: .3em .5em; }
ol.timeline { list-style: none; margin: .5em 0; padding: 0 0 0 1.4em; border-left: 3px solid #1f6fb2; }
ol.timeline > li { position: relative; margin: 0 0 .8em; padding-left: .6em; }
ol.timeline > li::before { content: ""; position: absolute; left: -1.95em; top: .35em; width: .8em; height: .8em;
       border-radius: 50%; background: #1f6fb2; border: 2px solid #fff; }
ol.timeline > li.pending::before { background: #fff; border-color: #9aa5b1; }
ol.timeline > li.end::before { background: #1a6b2f; }
ol.timeline .stage { font-weight: 600; }
ol.timeline ul { margin: .15em 0 0; padding-left: 1.1em; }
.sig { white-space: nowrap; word-break: normal; font-size: .78em; }
.simulation { border: 3px solid #8a1c0f; color: #8a1c0f; font-weight: 700; padding: .4em .6em; }
footer { margin-top: 2em; font-size: .85em; color: #57606a; border-top: 1px solid #c8d0d8; padding-top: .5em; }
@media print {
  body { margin: 0; max-width: none; padding: 0; }
  h2 { page-break-after: avoid; break-after: avoid; }
  tr, li, pre.body, table.facts { page-break-inside: avoid; break-inside: avoid; }
  thead { display: table-header-group; }
  section.chain { page-break-before: always; break-before: page; }
  th, ol.timeline > li::before { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

STATUS_ZH = {"open": "办理中", "exited": "已退出", "enrolled": "已纳入", "rejected": "未通过"}
OUTCOME_ZH = {"approve": "同意", "return": "退回", "reject": "否决", "consent": "认可", "refuse": "不认可", "posted": "张贴公示", "uphold": "异议成立",
              "dismiss": "异议不成立"}


def e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def when(value: Any) -> str:
    if not value:
        return "—"
    try:
        return local_time(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def role_zh(role: Any) -> str:
    try:
        return f"{ROLE_TITLE_ZH[Role(role)]} ({role})"
    except ValueError:
        return str(role or "—")


def fingerprint(signature: dict[str, Any] | None) -> str:
    if not signature:
        return '<span class="bad">unsigned</span>'
    value = hashlib.sha256(str(signature.get("value", "")).encode("ascii", "replace")).hexdigest()[:16]
    return (f'<span class="mono sig">key {e(signature.get("key_id"))}<br>sig {e(value)}<br>'
            f'signed {e(when(signature.get("signed_at")))}</span>')


def _of(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [x["data"] for x in doc["entries"] if x.get("kind") == kind]


def render_html(doc: dict[str, Any]) -> str:
    opened = (_of(doc, "opened") or [{}])[0]
    closed = (_of(doc, "closed") or [None])[0]
    status = closed["status"] if closed else "open"
    kind = "贫困户纳入档案" if opened.get("exit_type") == "enrollment" else "贫困退出档案"
    title = f"{kind} {doc.get('case_id', '')}"
    parts = [
        "<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
        f"<title>{e(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<h1>{e(title)}</h1>",
        _simulation(opened),
        _header(doc, opened, closed, status),
        _timeline(doc, opened, closed),
        _criteria(opened),
        _decisions(doc),
        _notices(doc),
        _announcements(doc),
        _registry(doc),
        _refused(doc),
        _chain(doc),
        f'<footer>Dossier format {e(doc.get("format"))}; generated {e(when(doc.get("generated_at")))} ({TIME_ZONE_NAME}). '
        "Times are Beijing time. Check the JSON form with <code>tuopin dossier verify FILE</code>; its head must be "
        f'<span class="mono">{e(doc.get("head"))}</span>.</footer>',
        embedded(doc),
        "</body>", "</html>",
    ]
    return "\n".join(parts) + "\n"


DOSSIER_BLOCK = '<script type="application/json" id="tuopin-dossier">'
_BLOCK = re.compile(r'<script\b[^>]*\bid="tuopin-dossier"[^>]*>(.*?)</script>', re.S | re.I)


def embedded(doc: dict[str, Any]) -> str:
    """The dossier as a data block. `<`, `>` and `&` are written as JSON escapes, so no text in the
    dossier can close the block or open markup; the JSON read back is the same."""
    text = json.dumps(doc, ensure_ascii=False)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return f"{DOSSIER_BLOCK}{text}</script>"


class NotADossierPage(ValueError):
    """An HTML file without exactly one dossier block, or with one that is not JSON."""


def looks_like_html(text: str) -> bool:
    return text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))


def carried_dossier(page: str) -> Any:
    """The JSON dossier a page carries (exactly one block, or NotADossierPage)."""
    blocks = _BLOCK.findall(page)
    if len(blocks) != 1:
        raise NotADossierPage("it carries no dossier block" if not blocks else f"it carries {len(blocks)} dossier blocks, not one")
    try:
        return json.loads(blocks[0])
    except ValueError as exc:
        raise NotADossierPage(f"its dossier block is not JSON: {exc}") from None


def page_matches(page: str, doc: dict[str, Any]) -> bool:
    """Whether the page is exactly what this dossier renders to: what people read is what was verified."""
    return page == render_html(doc)


def _simulation(opened: dict[str, Any]) -> str:
    sim = opened.get("simulation")
    if not sim:
        return ""
    return (f'<p class="simulation">SIMULATION 模拟 — a load-test case: its notice was shortened to '
            f'{e(sim.get("notice_seconds"))} seconds. Not a real exit.</p>')


def _header(doc: dict[str, Any], opened: dict[str, Any], closed: dict[str, Any] | None, status: str) -> str:
    unit = f"{opened.get('exit_type', '')} {opened.get('unit_id', '')}"
    if opened.get("designation"):
        unit += f" ({opened['designation']})"
    rows = [
        ("case (案件)", doc.get("case_id")), ("unit (对象)", unit), (
            "year (纳入年度)" if opened.get("exit_type") == "enrollment" else "exit year (退出年度)", opened.get("year")),
        ("status (状态)", f"{status} {STATUS_ZH.get(status, '')}"),
        ("opened (立案)", f"{when(opened.get('opened_at'))} by {opened.get('opened_by', '')}"),
        ("closed (办结)", when(closed.get("closed_at")) if closed else "—"),
        ("reason (理由)", closed.get("reason") if closed else None),
        ("chain head (校验值)", doc.get("head")),
    ]
    mono = ' class="mono"'
    body = "".join(f'<tr><th>{e(k)}</th><td{mono if k.startswith("chain") else ""}>{e(v) or "—"}</td></tr>'
                   for k, v in rows)
    return f'<table class="facts">{body}</table>'


def _timeline(doc: dict[str, Any], opened: dict[str, Any], closed: dict[str, Any] | None) -> str:
    procedure = PROCEDURES.get(opened.get("exit_type", ""))
    stages = procedure.stages if procedure else ()
    decisions, notices = _of(doc, "decision"), _of(doc, "notice")
    items = []
    for stage in stages:
        events = [
            f'<li{SUPERSEDED if d.get("superseded") else ""}>{e(when(d.get("at")))} '
            f'{e(OUTCOME_ZH.get(d.get("outcome"), d.get("outcome")))} — {e(d.get("name"))} '
            f'({e(d.get("official_id"))}, {e(role_zh(d.get("role")))})'
            + (f' · {e(d.get("meeting_ref"))}' if d.get("meeting_ref") else "")
            + (" · superseded by a return" if d.get("superseded") else "") + "</li>"
            for d in decisions if d.get("stage") == stage.id
        ]
        events += [
            f'<li>公示 #{e(w.get("window_no"))} {e(when(w.get("opened_at")))} → {e(when(w.get("closed_at") or w.get("closes_at")))} '
            f'({e(w.get("outcome") or "open")})</li>'
            for w in notices if w.get("stage") == stage.id
        ]
        css = "" if events else ' class="pending"'
        items.append(f'<li{css}><span class="stage">{e(stage.title_zh)}</span> <span class="muted">{e(stage.id)}</span>'
                     + (f"<ul>{''.join(events)}</ul>" if events else ' <span class="muted">— not reached</span>') + "</li>")
    for a in _of(doc, "announcement") + _of(doc, "filing"):
        items.append(f'<li class="end"><span class="stage">{"备案" if a.get("kind") == "filing" else "公告"}</span> '
                     f'{e(a.get("level"))} {e(a.get("jurisdiction_id"))}, {e(when(a.get("at")))}</li>')
    for change in _of(doc, "registry_change"):
        items.append(f'<li class="end"><span class="stage">销号</span> {e(change.get("unit_id"))}: '
                     f'{e(change.get("from_status"))} → {e(change.get("to_status"))}, {e(when(change.get("at")))}</li>')
    if closed:
        items.append(f'<li class="end"><span class="stage">{e(STATUS_ZH.get(closed.get("status"), closed.get("status")))}</span> '
                     f'{e(when(closed.get("closed_at")))}' + (f' — {e(closed.get("reason"))}' if closed.get("reason") else "") + "</li>")
    return f'<h2>Timeline (办理流程)</h2><ol class="timeline">{"".join(items)}</ol>'


def _criteria(opened: dict[str, Any]) -> str:
    checks = (opened.get("criteria") or {}).get("checks") or []
    rows = "".join(
        f'<tr><td>{e(c.get("name"))}</td><td class="{"good" if c.get("met") else "bad"}">{"met 达标" if c.get("met") else "not met 未达标"}</td>'
        f'<td>{e(c.get("detail"))}</td></tr>' for c in checks
    ) or '<tr><td colspan="3">no criteria report in the case</td></tr>'
    year = (opened.get("criteria") or {}).get("year")
    of_year = f", figures of {e(year)}" if year else ""
    return (f"<h2>Exit criteria (退出标准), on the facts frozen at opening{of_year}</h2>"
            f"<table><thead><tr><th>criterion</th><th>result</th><th>figures</th></tr></thead><tbody>{rows}</tbody></table>")


def _decisions(doc: dict[str, Any]) -> str:
    rows = []
    for d in _of(doc, "decision"):
        css = SUPERSEDED if d.get("superseded") else ""
        record = "; ".join(f"{k}: {v}" for k, v in (d.get("record") or {}).items())
        rows.append(
            f'<tr{css}><td>{e(d.get("seq"))}</td><td>{e(d.get("stage"))} (pass {e(d.get("stage_pass"))})</td>'
            f'<td>{e(OUTCOME_ZH.get(d.get("outcome"), d.get("outcome")))} {e(d.get("outcome"))}'
            + (f' → {e(d.get("to_stage"))}' if d.get("to_stage") else "") + "</td>"
            f'<td>{e(d.get("name"))}<br><span class="mono">{e(d.get("official_id"))} / {e(d.get("person_id"))}</span><br>'
            f'{e(role_zh(d.get("role")))}, {e(d.get("jurisdiction_id"))}</td>'
            f'<td>{e(when(d.get("at")))}</td><td>{e(d.get("meeting_ref")) or "—"}</td>'
            f'<td>{e(d.get("note")) or "—"}' + (f'<br><span class="muted">{e(record)}</span>' if record else "")
            + ("<br>superseded by a return" if d.get("superseded") else "") + "</td>"
            f'<td>{fingerprint(d.get("signature"))}</td></tr>'
        )
    body = "".join(rows) or '<tr><td colspan="8">none</td></tr>'
    return ("<h2>Decisions and signatures (签字确认)</h2><table><thead><tr><th>#</th><th>stage</th><th>outcome</th>"
            "<th>signer</th><th>time</th><th>meeting (会议纪要)</th><th>note / record</th><th>signature</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _notices(doc: dict[str, Any]) -> str:
    objections = _of(doc, "objection")
    blocks = []
    for w in _of(doc, "notice"):
        scopes = ", ".join(f"{s.get('level')} {s.get('jurisdiction_id')}" for s in w.get("scopes") or [])
        posted = "".join(f'<pre class="body">{e(p.get("body"))}</pre>' for p in w.get("postings") or [])
        rows = "".join(
            f'<tr><td>{e(o.get("objection_id"))}</td><td>{e(o.get("name"))}</td><td>{e(o.get("reason"))}</td>'
            f'<td>{e(when(o.get("lodged_at")))}</td><td>{e(o.get("status"))}</td>'
            f'<td>{e(o.get("resolved_by")) or "—"} {e(role_zh(o.get("resolver_role"))) if o.get("resolver_role") else ""}'
            f'<br>{e(when(o.get("resolved_at")))}</td><td>{e(o.get("finding")) or "—"}</td>'
            f'<td>{fingerprint(o.get("resolution_signature")) if o.get("status") != "open" else "—"}</td></tr>'
            for o in objections if o.get("window_no") == w.get("window_no")
        )
        table = ("<table><thead><tr><th>objection</th><th>by</th><th>reason</th><th>lodged</th><th>status</th>"
                 f"<th>resolved by</th><th>finding</th><th>signature</th></tr></thead><tbody>{rows}</tbody></table>"
                 if rows else '<p class="muted">no objection</p>')
        blocks.append(
            f'<h3>公示 #{e(w.get("window_no"))} ({e(w.get("stage"))}) in {e(scopes)}</h3>'
            f'<p>{e(when(w.get("opened_at")))} → closes {e(when(w.get("closes_at")))}; '
            f'closed {e(when(w.get("closed_at")))} ({e(w.get("outcome") or "open")})</p>{posted}{table}'
        )
    return "<h2>Public notice (公示) and objections (异议)</h2>" + ("".join(blocks) or '<p class="muted">none</p>')


def _announcements(doc: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><td>{"备案 filing" if a.get("kind") == "filing" else "公告 announcement"}</td><td>{e(a.get("level"))} '
        f'{e(a.get("jurisdiction_id"))}</td><td>{e(when(a.get("at")))}</td><td><pre class="body">{e(a.get("body"))}</pre></td></tr>'
        for a in _of(doc, "announcement") + _of(doc, "filing")
    ) or '<tr><td colspan="4">none</td></tr>'
    return ("<h2>Announcements and filings (公告、备案)</h2><table><thead><tr><th>kind</th><th>where</th><th>time</th>"
            f"<th>text</th></tr></thead><tbody>{rows}</tbody></table>")


def _registry(doc: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><td>{e(c.get("unit_type"))} {e(c.get("unit_id"))}</td><td>{e(c.get("from_status"))} → {e(c.get("to_status"))}</td>'
        f'<td>{e(when(c.get("at")))}</td><td>{len(c.get("registry_rows") or [])} row(s) in the registry</td></tr>'
        for c in _of(doc, "registry_change")
    ) or '<tr><td colspan="4">none: the registry was not changed by this case</td></tr>'
    return ("<h2>Registry change (建档立卡 销号)</h2><table><thead><tr><th>unit</th><th>status</th><th>time</th>"
            f"<th>registry</th></tr></thead><tbody>{rows}</tbody></table>")


def _refused(doc: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><td>{e(when(r.get("at")))}</td><td>{e(r.get("official_id"))}</td><td>{e(r.get("kind"))} '
        f'{e(r.get("outcome"))} at {e(r.get("stage"))}</td><td class="mono">{e(r.get("key_id")) or "—"}</td>'
        f'<td>{e(r.get("reason"))}</td></tr>'
        for r in _of(doc, "refused_attempt")
    ) or '<tr><td colspan="5">none</td></tr>'
    return ("<h2>Refused signature attempts (changed nothing)</h2><table><thead><tr><th>time</th><th>official</th>"
            f"<th>tried</th><th>key</th><th>why refused</th></tr></thead><tbody>{rows}</tbody></table>")


def _chain(doc: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><td>{e(x.get("seq"))}</td><td>{e(x.get("kind"))}</td><td>{e(when(x.get("at")))}</td>'
        f'<td class="mono">{e(x.get("hash"))}</td></tr>' for x in doc["entries"]
    )
    keys = "".join(
        f'<tr><td class="mono">{e(kid)}</td><td>{e(k.get("official_id"))}</td><td>{e(when(k.get("registered_at")))}</td>'
        f'<td>{e(when(k.get("revoked_at")))}</td><td class="mono">{e(k.get("public_key"))}</td></tr>'
        for kid, k in (doc.get("keys") or {}).items()
    ) or '<tr><td colspan="5">none</td></tr>'
    return (
        '<section class="chain"><h2>Hash chain (校验链)</h2>'
        f'<p>Head: <span class="mono">{e(doc.get("head"))}</span></p>'
        "<table><thead><tr><th>#</th><th>entry</th><th>time</th><th>SHA-256</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        "<h3>Signers' public keys (Ed25519)</h3><table><thead><tr><th>key</th><th>official</th><th>registered</th>"
        f"<th>revoked</th><th>public key</th></tr></thead><tbody>{keys}</tbody></table></section>"
    )
