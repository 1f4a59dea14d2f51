"""`tuopin spotcheck start|finding|show` (强化监督问责), `tuopin registry reenter|enroll` (动态管理: 返贫, 新增)
and `tuopin registry buffer|supervision` (正向激励: the buffer period, and the households' flags).

Register with ``cli.add_command(spotcheck)`` and, on the ``registry`` group,
``registry.add_command(reenter)``, ``registry.add_command(enroll)``, ``registry.add_command(buffer)``,
``registry.add_command(supervision)``. Import ``starters.cli`` before this module (the console
script does): it uses its ``common`` and ``signing`` decorators.
Exit codes: 0 done; 1 refused (the message names the rule); 2 usage; 3 server or registry unreachable.
"""

from datetime import date
from pathlib import Path
from typing import Any

import click

from activities.registry import supervision as registry
from domain.county import TIME_ZONE_NAME
from domain.reentry import GUARANTEES, NewHousehold, ReentryRecord
from domain.spot_check import SpotCheckState, is_check_id, summarize
from starters import render
from starters.cli_options import SAFE_ID, TEXT, common, run, say, signing
from starters.client import connect, require_case_worker, require_worker
from starters.errors import BadUsage, registry_call
from starters.supervision import (
    enroll as enroll_household,
    record_finding,
    reenter as reenter_household,
    show_check,
    start_check,
    store_of,
    supervision_policy,
    today_local,
    valid,
)
from workers.settings import Settings

_DATE = click.DateTime(["%Y-%m-%d"])
VERDICTS = {"confirmed": "confirmed", "false-exit": "false_exit"}


# -- spot checks ----------------------------------------------------------------------------------
@click.group("spotcheck")
def spotcheck() -> None:
    """督查抽查: the county leading group's spot checks of a year's exits (四.4 强化监督问责)."""


@spotcheck.command("start")
@common
@signing
@click.option("--year", type=click.IntRange(2014, 2100), required=True, help="The exit year whose exits are checked.")
@click.option("--percent", type=click.FloatRange(0, 100, min_open=True), required=True,
              help="How much of the year's exits to sample (rounded up to whole units).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1),
              help="Seed of the sample (recorded in the check's id) [default: a random one].")
@click.option("--as", "official", required=True, help="A county_group official of the county.")
@click.option("--county", help="The county [default: the official's].")
@click.option("--remind-after-days", type=click.IntRange(1, 366),
              help="Remind the verifiers after this many days without all findings, and again every as many "
                   "[default: rules.json spot_check.remind_after_days, 30].")
def start(settings: Settings, as_json: bool, year: int, percent: float, seed: int | None, official: str,
          county: str | None, remind_after_days: int | None, key_file: Path | None) -> None:
    """Draw a reproducible sample of the year's exits and assign its verifiers (prints the check id)."""

    async def go() -> SpotCheckState:
        client = await connect(settings)
        await require_worker(client, settings.task_queue, "nothing was sent")
        return await start_check(client, settings, year, percent, official, seed, county, remind_after_days, key_file)

    state = run(go())
    say(as_json, check_document(state), f"{state.check_id}\n{_headline(state)}")


@spotcheck.command("finding")
@common
@signing
@click.argument("check")
@click.argument("unit")
@click.argument("verdict", type=click.Choice(sorted(VERDICTS)))
@click.option("--as", "official", required=True, help="The verifier (a county_group official of the county).")
@click.option("--note", type=TEXT, required=True, help="What the check found.")
@click.option("--unit-type", type=click.Choice(["household", "village_poor", "village_hollow", "township"]),
              help="Only when a village is sampled both as 贫困村 and as 空壳村.")
def finding(settings: Settings, as_json: bool, check: str, unit: str, verdict: str, official: str, note: str,
            unit_type: str | None, key_file: Path | None) -> None:
    """Record the finding on UNIT: confirmed, or false-exit (the exit is reversed in the registry and the
    officials who signed it are named)."""
    _check_id(check)

    async def go() -> Any:
        client = await connect(settings)
        await require_case_worker(client, check, "nothing was sent")
        ack = await record_finding(client, settings, check, unit, VERDICTS[verdict], official, note, unit_type, key_file)
        return ack, await show_check(client, check)

    ack, state = run(go())
    lines = [f"recorded: {ack.unit_id} {verdict} — {state.check_id} is {state.status}, {ack.units_outstanding} outstanding"]
    change = ack.registry_change
    if change:
        lines.append(
            f"registry: {change['unit_type']} {change['unit_id']} {change['from_status']} → {change['to_status']} "
            f"(exit {change['reversed_case_id']} reversed, 虚假脱贫)" if change.get("reversed")
            else f"registry: {change.get('note')}"
        )
    if ack.signers:
        lines.append("signed the exit:")
        lines += [f"  {s.stage:16} {s.role:20} {s.official_id} ({s.name}, {s.person_id}) {render._local(s.at)}"
                  for s in ack.signers]
    say(as_json, {"ack": ack.model_dump(mode="json"), "check": check_document(state)}, "\n".join(lines))


@spotcheck.command("show")
@common
@click.argument("check")
def show(settings: Settings, as_json: bool, check: str) -> None:
    """The check's sample, verifiers, findings, reminders and summary (wrongful-exit rate, checked, outstanding)."""
    _check_id(check)

    async def go() -> SpotCheckState:
        client = await connect(settings)
        await require_case_worker(client, check, "no one can answer for the check")
        return await show_check(client, check)

    state = run(go())
    say(as_json, check_document(state), check_text(state))


def _check_id(value: str) -> None:
    if not is_check_id(value):
        raise BadUsage(f"{value!r} is not a spot-check id (spot-check/<county>/<year>/<seed>)")


def check_document(state: SpotCheckState) -> dict[str, Any]:
    doc = state.model_dump(mode="json", exclude={"in_flight", "used_signatures"})
    doc["summary"] = summarize(state).model_dump(mode="json")
    return doc


def _headline(state: SpotCheckState) -> str:
    s = summarize(state)
    rate = "-" if s.wrongful_exit_rate is None else f"{s.wrongful_exit_rate:.1%}"
    return (f"{state.status}: sampled {s.units_sampled} of {s.exits_total} exits of {state.year} in {state.county_id} "
            f"({state.percent:g}%, seed {state.seed}); checked {s.units_checked}, outstanding {s.units_outstanding}, "
            f"false exits {s.false_exits}, wrongful-exit rate {rate}")


def check_text(state: SpotCheckState) -> str:
    lines = [f"check     {state.check_id}", f"started   {render._local(state.started_at)} by {state.initiator_id}",
             _headline(state)]
    if state.reason:
        lines.append(f"reason    {state.reason}")
    rows = [
        {"unit": e.unit_id, "type": e.unit_type, "exit case": e.case_id, "verifier": e.verifier_id or "-",
         "independent": "yes" if e.independent_verifier else "NO",
         "finding": e.finding.verdict if e.finding else "-", "by": e.finding.official_id if e.finding else ""}
        for e in state.sample
    ]
    if rows:
        lines.append(render.table_text(rows, ["unit", "type", "exit case", "verifier", "independent", "finding", "by"]))
    for e in state.sample:
        if e.finding and e.finding.verdict == "false_exit":
            who = "; ".join(f"{s.stage} {s.role} {s.official_id}" for s in e.signers) or (e.trace_note or "unknown")
            lines.append(f"false exit {e.unit_id} ({e.case_id}): {e.finding.note} — signed by: {who}")
    for r in state.reminders:
        lines.append(f"reminder #{r.round} {render._local(r.at)} to {', '.join(r.recipients)} ({len(r.units)} units)")
    return "\n".join(lines)


# -- 返贫 and 新增 ------------------------------------------------------------------------------------
def _record_text(r: ReentryRecord) -> str:
    what = "returned to poverty (返贫)" if r.kind == "return" else "enrolled as newly poor (新增)"
    after = f" after exit {r.previous_case_id}" if r.previous_case_id else ""
    return (f"{r.reentry_id}: {r.household_id} {what}{after}; now {r.status}; signed by {r.official_id} ({r.role}), "
            f"evidence sha256 {r.evidence_sha256}")


_EVIDENCE = click.option("--evidence", "evidence_file", required=True,
                         type=click.Path(exists=True, dir_okay=False, path_type=Path),
                         help="The evidence file (its SHA-256 is recorded and signed; the file is not stored).")


@click.command("reenter")
@common
@signing
@click.argument("household")
@click.option("--reason", required=True, help="Why the household returned to poverty.")
@_EVIDENCE
@click.option("--as", "official", required=True, help="The village_secretary or village_director of its village.")
def reenter(settings: Settings, as_json: bool, household: str, reason: str, evidence_file: Path, official: str,
            key_file: Path | None) -> None:
    """返贫: an exited HOUSEHOLD returns to poverty (back to poor in the registry; it may exit again later)."""
    record = reenter_household(settings, household, reason, evidence_file, official, key_file)
    say(as_json, record.model_dump(mode="json"), _record_text(record))


@click.command("enroll")
@common
@signing
@click.argument("household")
@click.option("--village", required=True)
@click.option("--members", type=click.IntRange(1, 50), required=True)
@click.option("--head-name", required=True, help="Kept in the registry only; never printed.")
@click.option("--income", "incomes", multiple=True, metavar="YEAR=YUAN", help="Per-capita income of a year.")
@click.option("--lacking", multiple=True, type=click.Choice(GUARANTEES), help="A guarantee of 两不愁三保障 not met.")
@click.option("--reason", required=True, help="Why the household is poor.")
@_EVIDENCE
@click.option("--as", "official", required=True, help="The village_secretary or village_director of the village.")
def enroll(settings: Settings, as_json: bool, household: str, village: str, members: int, head_name: str,
           incomes: tuple[str, ...], lacking: tuple[str, ...], reason: str, evidence_file: Path, official: str,
           key_file: Path | None) -> None:
    """新增: enrol a newly poor HOUSEHOLD in the registry (with its head's post, to consent at its exit)."""
    if not SAFE_ID.match(household) or "/" in household:
        raise BadUsage(f"{household!r} is not a household id")
    income: dict[int, str] = {}
    for pair in incomes:
        year, sep, yuan = pair.partition("=")
        if not sep or not year.isdigit():
            raise BadUsage(f"--income takes YEAR=YUAN, not {pair!r}")
        income[int(year)] = yuan
    try:
        [float(v) for v in income.values()]
    except ValueError:
        raise BadUsage("--income amounts must be numbers of yuan") from None
    new = valid(NewHousehold, village_id=village, members=members, head_name=head_name, per_capita_income=income,
                lacking=tuple(lacking))
    record = enroll_household(settings, household, new, reason, evidence_file, official, key_file)
    say(as_json, record.model_dump(mode="json"), _record_text(record))


# -- listings: the buffer period (摘帽不摘政策) and the households' flags ----------------------------
_TODAY = click.option("--today", type=_DATE, help=f"The day to judge the buffer period on [default: today, {TIME_ZONE_NAME}].")


def _day(value: Any) -> date:
    return value.date() if value is not None else today_local()


@click.command("buffer")
@common
@_TODAY
@click.option("--township")
def buffer(settings: Settings, as_json: bool, today: Any, township: str | None) -> None:
    """Every unit exited now and whether it is in its buffer period (support kept until support_buffer_until)."""
    rule = supervision_policy(settings).buffer
    store = store_of(settings)
    rows = registry_call(lambda: registry.units_in_buffer(store, rule, _day(today), township))
    say(as_json, rows, render.table_text(rows, ["unit_type", "unit_id", "township_id", "exited_on", "support_until", "in_buffer"]))


@click.command("supervision")
@common
@_TODAY
@click.option("--township")
@click.option("--village")
@click.option("--status", type=click.Choice(["poor", "exited"]))
def supervision(settings: Settings, as_json: bool, today: Any, township: str | None, village: str | None,
                status: str | None) -> None:
    """Households with their buffer period, false-exit flag (虚假脱贫, with the check) and re-entries."""
    rule = supervision_policy(settings).buffer
    store = store_of(settings)
    rows = registry_call(lambda: registry.households_supervised(store, rule, _day(today), township, village, status))
    say(as_json, rows, render.table_text(rows, [
        "household_id", "village_id", "status", "exited_year", "in_buffer", "false_exit_check_id", "reentries"]))
