"""`tuopin plan report --year Y [--today D] [--json] [--html FILE]`: the plan of 清委办〔2017〕25号
(attachments 1–3) against the exits recorded in the registry, per township, with what is behind plan,
the early-exit bonus flags, the annual assessment of each township (年度任务完成情况), the units in
their buffer period (摘帽不摘政策) and every stated total the rows do not bear out.

Register with ``cli.add_command(plan)``. Exit codes: 1 the plan data is malformed; 2 usage;
3 the registry cannot be reached (or holds no registry tables).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import ArgumentError

from activities.registry.plan_queries import read_plan_facts
from activities.registry.store import RegistryStore, RegistryUnavailable, RegistryUrlError
from domain.buffer import BufferRule, judged_on
from domain.county import TIME_ZONE, TIME_ZONE_NAME
from domain.plan_report import Assessment, BufferCounts, Figures, PlanReport, build_report
from starters.errors import BadUsage, Refused, Unreachable
from starters.plan_data import PlanDataError, load_plan
from starters.plan_html import MEASURE_TITLES, render_html
from workers.policy_loader import PolicyConfigError, load_supervision_policy
from workers.settings import Settings

COLUMNS = ["township", "persons", "poor villages", "hollow villages", "key township", "behind plan"]
SHORT = {"persons": "persons", "poor_villages": "poor", "hollow_villages": "hollow", "key_township": "key",
         "key_townships": "key"}


@click.group("plan")
def plan() -> None:
    """The exit plan (attachments 1–3 of 清委办〔2017〕25号) against actual exits."""


@plan.command("report")
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="The exit year to report on.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]),
              help=f"The day the buffer period is judged on [default: the year's last day, or today ({TIME_ZONE_NAME}) "
                   "while the year runs].")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also write the report as one self-contained HTML page (table and SVG charts) to FILE.")
@click.option("--registry-url", envvar="TUOPIN_REGISTRY_URL", default=None,
              help="SQLAlchemy URL of the registry [default: sqlite under --home].")
@click.option("--home", envvar="TUOPIN_HOME", default=".tuopin", show_default=True,
              help="Folder of the embedded server's and registry's files.")
def report(year: int, today: datetime | None, as_json: bool, html_file: Path | None, registry_url: str | None,
           home: str) -> None:
    """Per township: planned and actual exits (persons, poor villages, hollow villages, key
    townships) for YEAR, what is behind plan, early-exit bonus flags, the annual assessment
    (task completed, completion rate) and the units in their buffer period; then every stated total
    (合计 rows, body text) that its rows do not bear out."""
    click.get_current_context().meta["as_json"] = as_json
    settings = Settings.from_env(registry_url=registry_url, home=home)
    result = build(settings, year, today.date() if today else judged_on(year, datetime.now(TIME_ZONE).date()))
    if html_file is not None:
        try:
            html_file.write_text(render_html(result), encoding="utf-8")
        except OSError as exc:
            raise BadUsage(f"cannot write {html_file}: {exc.strerror or exc}") from None
    if as_json:
        click.echo(_json(result))
    else:
        click.echo(report_text(result))
    if html_file is not None:
        click.echo(f"wrote {html_file}", err=True)


def build(settings: Settings, year: int, today: date | None = None) -> PlanReport:
    try:
        the_plan = load_plan(settings.data_dir)
    except PlanDataError as exc:
        raise Refused(f"the plan data cannot be used: {exc}", kind="plan_data") from None
    try:
        # a data folder without policy rules (a copy of the plan only) reports on the policy's own date
        buffer = (load_supervision_policy(settings.data_dir).buffer
                  if (settings.data_dir / "policy" / "rules.json").exists() else BufferRule())
    except PolicyConfigError as exc:
        raise Refused(f"the policy configuration cannot be used: {exc}", kind="policy_config") from None
    if settings.registry_url is None and not (settings.home / "registry.db").exists():
        raise Unreachable(f"no registry at {settings.home / 'registry.db'} (run `tuopin registry seed` or pass --registry-url)")
    try:
        store = RegistryStore.from_url(settings.registry)
    except (ArgumentError, ImportError, RegistryUrlError) as exc:
        raise BadUsage(f"cannot use the registry URL: {exc}") from None
    try:
        facts = read_plan_facts(store)
    except RegistryUnavailable as exc:
        raise Unreachable(str(exc)) from None
    finally:
        store.engine.dispose()
    return build_report(the_plan, year, facts.actual, facts.villages, facts.townships,
                        exited_now=facts.exited_now if today else None, buffer=buffer, today=today)


def _json(result: PlanReport) -> str:
    import json

    return json.dumps(result.document(), ensure_ascii=False, indent=2)


# -- text -------------------------------------------------------------------------------------


def _pair(f: Figures) -> str:
    return f"{f.planned}/{f.actual}" + (" ▼" if f.behind_plan else "")


def behind_summary(measures: tuple[str, ...], figures: dict[str, Figures]) -> str:
    """"persons -191, poor -4": each measure behind plan with its shortfall."""
    return ", ".join(f"{SHORT[m]} -{figures[m].shortfall}" for m in measures) or "-"


def report_text(result: PlanReport) -> str:
    rows: list[dict[str, str]] = []
    for t in result.townships:
        rows.append({
            "township": f"{t.name} ({t.township_id})",
            "persons": _pair(t.persons), "poor villages": _pair(t.poor_villages),
            "hollow villages": _pair(t.hollow_villages), "key township": _pair(t.key_township),
            "behind plan": behind_summary(t.behind_plan, {m: getattr(t, m) for m in t.behind_plan}),
        })
    tot = result.totals
    rows.append({
        "township": "清流县 county total",
        "persons": _pair(tot.persons), "poor villages": _pair(tot.poor_villages),
        "hollow villages": _pair(tot.hollow_villages), "key township": _pair(tot.key_townships),
        "behind plan": behind_summary(tot.behind_plan, {m: getattr(tot, m) for m in tot.behind_plan}),
    })
    lines = [
        f"plan vs actual exits, {result.year} (planned/actual; ▼ behind plan) — 清委办〔2017〕25号 attachments 1–3",
        aligned(rows, COLUMNS),
    ]
    behind = [t for t in result.townships if t.behind_plan]
    lines.append("")
    lines.append(f"behind plan at the end of {result.year}:" if behind else f"behind plan at the end of {result.year}: none")
    for t in behind:
        for measure in t.behind_plan:
            f: Figures = getattr(t, measure)
            what = (
                f"not exited: {', '.join(result.name(u) for u in f.outstanding)}" if f.outstanding
                else f"short by {f.shortfall}"
            )
            lines.append(f"  {t.name} ({t.township_id}), {MEASURE_TITLES[measure]}: {what}")
    lines.append("")
    lines.append("early-exit bonus flags:" if result.bonus_flags else "early-exit bonus flags: none")
    for b in result.bonus_flags:
        lines.append(
            f"  {b.village_name} ({b.village_id}, {b.kind} village): planned {b.planned_year}, exited {b.exit_year}"
            f" → {b.paired_department or 'no paired department recorded'}"
        )
    lines.append("")
    lines += assessment_lines(result)
    if result.today is not None:
        lines.append("")
        lines += buffer_lines(result)
    lines.append("")
    if result.mismatches:
        lines.append("stated totals that the rows do not bear out:")
        lines += [f"  {m.message}" for m in result.mismatches]
    else:
        lines.append("stated totals: every one matches its rows")
    return "\n".join(lines)


def percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


def assessment_text(a: Assessment) -> str:
    """"persons 51/51 (100.0%), villages 1/2 (50.0%), key township -; completed no, rate 50.0%"."""
    parts = [f"persons {a.persons_actual}/{a.persons_planned} ({percent(a.persons_rate)})"]
    parts.append(f"villages {a.villages_exited}/{a.villages_planned} ({percent(a.villages_rate)})"
                 if a.villages_planned else "villages -")
    parts.append(f"key township {a.key_township_exited}/{a.key_township_planned}" if a.key_township_planned
                 else "key township -")
    tail = f"completed {'yes' if a.completed else 'no'}, rate {percent(a.completion_rate)}"
    if a.bonus_flags:
        tail += f", early-exit bonus flags {a.bonus_flags}"
    return ", ".join(parts) + "; " + tail


def assessment_lines(result: PlanReport) -> list[str]:
    lines = [f"annual assessment to the end of {result.year} (年度任务完成情况, 四.1: done/planned to date; "
             "rate = the lowest measure, capped at 100%):"]
    for t in result.townships:
        lines.append(f"  {t.name} ({t.township_id}): {assessment_text(t.assessment)}")
    lines.append(f"  清流县 county: {assessment_text(result.totals.assessment)}")
    return lines


def buffer_text(b: BufferCounts) -> str:
    return f"{b.households} households ({b.persons} persons), {b.villages} villages, {b.townships} townships"


def buffer_lines(result: PlanReport) -> list[str]:
    lines = [f"in their buffer period on {result.today} (摘帽不摘政策: support kept until {result.support_buffer_until}):"]
    for t in result.townships:
        if t.in_buffer and (t.in_buffer.households or t.in_buffer.villages or t.in_buffer.townships):
            lines.append(f"  {t.name} ({t.township_id}): {buffer_text(t.in_buffer)}")
    if result.totals.in_buffer is not None:
        lines.append(f"  清流县 county: {buffer_text(result.totals.in_buffer)}")
    return lines


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def aligned(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Like render.table_text, but aligned by display width (汉字 take two columns)."""
    widths = {c: max(_width(c), *(_width(str(r.get(c, ""))) for r in rows)) for c in columns}
    head = "  ".join(_pad(c, widths[c]) for c in columns).rstrip()
    body = ["  ".join(_pad(str(r.get(c, "")), widths[c]) for c in columns).rstrip() for r in rows]
    return "\n".join([head, *body])
