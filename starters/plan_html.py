"""The plan report as ONE self-contained HTML page: inline CSS, the table, bar charts as inline SVG.
No scripts, no fonts, no images, no links to anything: it opens offline and prints on A4.
Every piece of text is escaped."""

from __future__ import annotations

from html import escape

from domain.plan_report import Assessment, BufferCounts, Figures, PlanReport, TownshipReport

MEASURE_TITLES = {
    "persons": "persons (脱贫人口)",
    "poor_villages": "poor villages (贫困村)",
    "hollow_villages": "hollow villages (空壳村)",
    "key_township": "key township (重点乡)",
    "key_townships": "key townships (重点乡)",
}
PLANNED_COLOUR = "#9aa5b1"
ACTUAL_COLOUR = "#1f6fb2"
BEHIND_COLOUR = "#c0392b"

CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       margin: 2em auto; max-width: 70em; padding: 0 1em; color: #1b1f23; line-height: 1.45; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #d0d7de; }
p.source { color: #57606a; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { border: 1px solid #d0d7de; padding: .3em .5em; text-align: right; vertical-align: top; }
th { background: #f3f5f7; }
td.name, th.name, td.text { text-align: left; }
tr.total td { font-weight: bold; background: #f3f5f7; }
td.behind { color: #c0392b; font-weight: bold; }
td.behind::after { content: " ▼"; }
ul.mismatch li { color: #8a1c0f; }
.chart { margin: 1em 0; }
.legend span { display: inline-block; margin-right: 1.2em; }
.swatch { display: inline-block; width: .9em; height: .9em; vertical-align: middle; margin-right: .3em; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2, table, .chart, li { page-break-inside: avoid; break-inside: avoid; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  svg rect { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
@page { size: A4 landscape; margin: 12mm; }
"""


def render_html(report: PlanReport, title: str | None = None) -> str:
    title = title or f"清流县贫困退出计划执行情况 {report.year} — plan vs actual exits"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(title)}</h1>",
        '<p class="source">Plan: 清委办〔2017〕25号, attachments 1–3 and the body text '
        f"(plan years {escape(', '.join(map(str, report.plan_years)))}). Actual: exits recorded in the 建档立卡 "
        f"registry with exit year {report.year}. ▼ marks a measure behind plan: persons when the exits of the "
        "plan years so far fall short of the persons planned; villages and key townships when a unit "
        "planned for this year or earlier has not exited.</p>",
        _table(report),
        _behind(report),
        _bonus(report),
        _assessment(report),
        _buffer(report),
        "<h2>Charts</h2>",
        _legend(),
        _chart(report, "persons", f"Persons exiting in {report.year}: planned and actual"),
        _chart(report, "villages", f"Villages exiting in {report.year} (贫困村 + 空壳村): planned and actual"),
        _mismatches(report),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


# -- the table --------------------------------------------------------------------------------


def _cell(f: Figures) -> str:
    css = ' class="behind"' if f.behind_plan else ""
    return f"<td>{f.planned}</td><td{css}>{f.actual}</td>"


def _behind_cell(measures: tuple[str, ...], figures: dict[str, Figures]) -> str:
    text = ", ".join(f"{SHORT[m]} −{figures[m].shortfall}" for m in measures)
    return f'<td class="text">{escape(text)}</td>'


SHORT = {"persons": "persons", "poor_villages": "poor", "hollow_villages": "hollow", "key_township": "key",
         "key_townships": "key"}


def _table(report: PlanReport) -> str:
    heads = ["persons", "poor_villages", "hollow_villages", "key_township"]
    rows = [
        "<h2>Per township</h2>",
        "<table>",
        "<thead><tr><th class=\"name\" rowspan=\"2\">township (乡镇)</th>"
        + "".join(f'<th colspan="2">{escape(MEASURE_TITLES[h])}</th>' for h in heads)
        + '<th rowspan="2">behind plan (shortfall)</th><th rowspan="2">early-exit bonus (加分)</th></tr>',
        "<tr>" + "<th>planned</th><th>actual</th>" * len(heads) + "</tr></thead>",
        "<tbody>",
    ]
    for t in report.townships:
        bonus = "<br>".join(
            escape(f"{b.village_name} → {b.paired_department or 'no paired department recorded'}")
            for b in t.bonus_flags
        )
        rows.append(
            f'<tr><td class="name">{escape(t.name)} <small>({escape(t.township_id)})</small></td>'
            + "".join(_cell(getattr(t, h)) for h in heads)
            + _behind_cell(t.behind_plan, {m: getattr(t, m) for m in t.behind_plan})
            + f'<td class="text">{bonus}</td></tr>'
        )
    tot = report.totals
    rows.append(
        '<tr class="total"><td class="name">清流县 (county total, from the rows)</td>'
        + "".join(_cell(f) for f in (tot.persons, tot.poor_villages, tot.hollow_villages, tot.key_townships))
        + _behind_cell(tot.behind_plan, {m: getattr(tot, m) for m in tot.behind_plan})
        + f'<td class="text">{len(report.bonus_flags)} flag(s)</td></tr>'
    )
    rows += ["</tbody>", "</table>"]
    return "\n".join(rows)


def _behind(report: PlanReport) -> str:
    items = [_behind_text(report, t) for t in report.townships if t.behind_plan]
    body = "".join(f"<li>{escape(text)}</li>" for text in items) or "<li>none</li>"
    return f"<h2>Behind plan at the end of {report.year}</h2>\n<ul>{body}</ul>"


def _behind_text(report: PlanReport, t: TownshipReport) -> str:
    parts = []
    for measure in t.behind_plan:
        f: Figures = getattr(t, measure)
        label = MEASURE_TITLES[measure]
        if f.outstanding:
            parts.append(f"{label}: not exited {', '.join(report.name(u) for u in f.outstanding)}")
        else:
            parts.append(f"{label}: short by {f.shortfall}")
    return f"{t.name} ({t.township_id}) — " + "; ".join(parts)


def _bonus(report: PlanReport) -> str:
    items = [
        f"{b.village_name} ({b.village_id}, {MEASURE_TITLES[b.kind + '_villages']}): planned {b.planned_year}, "
        f"exited {b.exit_year} → bonus for {b.paired_department or 'no paired department recorded'}"
        for b in report.bonus_flags
    ]
    body = "".join(f"<li>{escape(text)}</li>" for text in items) or "<li>none</li>"
    return f"<h2>Early-exit bonus flags (正向激励: 挂包的县直部门加分)</h2>\n<ul>{body}</ul>"


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.1%}"


def _assessment_cells(a: Assessment) -> str:
    persons = f"{a.persons_actual} / {a.persons_planned} ({_pct(a.persons_rate)})"
    villages = f"{a.villages_exited} / {a.villages_planned} ({_pct(a.villages_rate)})" if a.villages_planned else "–"
    key = f"{a.key_township_exited} / {a.key_township_planned}" if a.key_township_planned else "–"
    css = "" if a.completed else ' class="behind"'
    return (f"<td>{escape(persons)}</td><td>{escape(villages)}</td><td>{escape(key)}</td>"
            f"<td{css}>{'yes' if a.completed else 'no'}</td><td>{escape(_pct(a.completion_rate))}</td>"
            f"<td>{a.bonus_flags}</td>")


def _assessment(report: PlanReport) -> str:
    rows = [
        f"<h2>Annual assessment to the end of {report.year} (年度任务完成情况, 四.1)</h2>",
        '<p class="source">The task to date (persons planned for the plan years so far; villages and the key '
        "township named for this year or earlier) against what is done. The completion rate is the lowest "
        "of the measures, capped at 100 %; a false exit reversed by a spot check is not counted.</p>",
        "<table>",
        '<thead><tr><th class="name">township (乡镇)</th><th>persons done / planned</th>'
        "<th>villages exited / planned</th><th>key township</th><th>completed</th><th>completion rate</th>"
        "<th>bonus flags</th></tr></thead>",
        "<tbody>",
    ]
    for t in report.townships:
        rows.append(f'<tr><td class="name">{escape(t.name)} <small>({escape(t.township_id)})</small></td>'
                    + _assessment_cells(t.assessment) + "</tr>")
    rows.append('<tr class="total"><td class="name">清流县 (county)</td>' + _assessment_cells(report.totals.assessment) + "</tr>")
    rows += ["</tbody>", "</table>"]
    return "\n".join(rows)


def _buffer_text(b: BufferCounts) -> str:
    return f"{b.households} households ({b.persons} persons), {b.villages} villages, {b.townships} townships"


def _buffer(report: PlanReport) -> str:
    if report.today is None:
        return ""
    items = [
        f"{t.name} ({t.township_id}): {_buffer_text(t.in_buffer)}"
        for t in report.townships
        if t.in_buffer and (t.in_buffer.households or t.in_buffer.villages or t.in_buffer.townships)
    ]
    if report.totals.in_buffer is not None:
        items.append(f"清流县 (county): {_buffer_text(report.totals.in_buffer)}")
    body = "".join(f"<li>{escape(text)}</li>" for text in items)
    return (f"<h2>In their buffer period on {escape(str(report.today))} (摘帽不摘政策: support kept until "
            f"{escape(str(report.support_buffer_until))})</h2>\n<ul>{body}</ul>")


def _mismatches(report: PlanReport) -> str:
    items = [
        m.message + (f" — {m.written_as}" if m.written_as else "") for m in report.mismatches
    ]
    body = "".join(f"<li>{escape(text)}</li>" for text in items) or "<li>none: every stated total matches its rows</li>"
    return f'<h2>Stated totals checked against the rows</h2>\n<ul class="mismatch">{body}</ul>'


# -- charts -----------------------------------------------------------------------------------


def _legend() -> str:
    return (
        '<p class="legend">'
        f'<span><span class="swatch" style="background:{PLANNED_COLOUR}"></span>planned</span>'
        f'<span><span class="swatch" style="background:{ACTUAL_COLOUR}"></span>actual</span>'
        f'<span><span class="swatch" style="background:{BEHIND_COLOUR}"></span>actual, behind plan</span>'
        "</p>"
    )


def _chart(report: PlanReport, what: str, title: str) -> str:
    """Horizontal grouped bars, one pair (planned, actual) per township."""
    data: list[tuple[str, int, int, bool]] = []
    for t in report.townships:
        if what == "persons":
            data.append((t.name, t.persons.planned, t.persons.actual, t.persons.behind_plan))
        else:
            data.append((
                t.name,
                t.poor_villages.planned + t.hollow_villages.planned,
                t.poor_villages.actual + t.hollow_villages.actual,
                t.poor_villages.behind_plan or t.hollow_villages.behind_plan,
            ))
    label_w, bar_w, value_w, bar_h, gap, top = 120, 460, 50, 11, 10, 30
    row_h = 2 * bar_h + gap
    height = top + row_h * len(data) + 10
    width = label_w + bar_w + value_w
    peak = max([1, *(max(p, a) for _, p, a, _ in data)])
    out = [
        f'<div class="chart"><svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{height - 6}" stroke="#57606a"/>',
    ]
    for i, (name, planned, actual, behind) in enumerate(data):
        y = top + i * row_h
        out.append(f'<text x="{label_w - 6}" y="{y + bar_h + 4}" text-anchor="end">{escape(name)}</text>')
        for j, (value, colour, kind) in enumerate((
            (planned, PLANNED_COLOUR, "planned"),
            (actual, BEHIND_COLOUR if behind else ACTUAL_COLOUR, "actual"),
        )):
            yy = y + j * bar_h
            length = round(bar_w * value / peak, 1)
            out.append(
                f'<rect x="{label_w}" y="{yy}" width="{length}" height="{bar_h - 1}" fill="{colour}">'
                f"<title>{escape(f'{name} {kind}: {value}')}</title></rect>"
            )
            out.append(f'<text x="{label_w + length + 4}" y="{yy + bar_h - 2}" font-size="10">{value}</text>')
    out.append("</svg></div>")
    return "\n".join(out)
