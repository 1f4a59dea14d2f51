"""`tuopin`: the command line officials, operators and outside checks use (SPEC.md's contract).

Exit codes: 0 done; 1 refused by the pipeline; 2 usage error; 3 server or registry unreachable.
"""

import logging
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import click

from domain.messages import ConsentCommand, DecisionCommand, ObjectionCommand, ResolutionCommand
from domain.procedures import PROCEDURES
from starters import cases, render
from starters.client import connect
from starters.cli_options import SAFE_ID, STAGES, case_id_argument, common, run, say, signing, unit_id_argument, valid
from starters.errors import BadUsage, CliError, Refused
from workers.logging_config import configure_logging
from domain.simulation import SIMULATION_REGISTRY_FILE, SIMULATION_TASK_QUEUE
from workers.settings import DEFAULT_TASK_QUEUE, Settings

class TuopinGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CliError as exc:
            if _wants_json(ctx):
                render.emit_json({"ok": False, "error": exc.kind, "message": exc.format_message()})
            raise
        except click.UsageError as exc:
            if _wants_json(ctx):
                render.emit_json({"ok": False, "error": "usage", "message": exc.format_message()})
            raise


def _wants_json(ctx: click.Context) -> bool:
    return "--json" in sys.argv[1:] or any(c.meta.get("as_json") for c in [ctx] if c is not None)


@click.group(cls=TuopinGroup)
def cli() -> None:
    """tuopin (脱贫): durable poverty-exit cases on Temporal, per 清委办〔2017〕25号."""
    configure_logging(Settings.from_env().log_format)


def main() -> None:
    """Console entry point. Ends with os._exit: once the command's work is done and flushed, the
    Temporal SDK's native threads can abort a normal interpreter shutdown (DESIGN.md; seen here)."""
    code = 0
    try:
        cli.main(prog_name="tuopin")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


# -- servers ----------------------------------------------------------------------------------
@cli.command()
@common
@click.option("--ui-port", default=8233, show_default=True)
def serve(settings: Settings, as_json: bool, ui_port: int) -> None:
    """Embedded Temporal dev server (SQLite WAL under --home), Web UI, worker and demo registry."""
    from starters.serve import serve as serve_all

    run(serve_all(settings.model_copy(update={"ui_port": ui_port})))


@cli.command()
@common
@click.option("--simulation", is_flag=True,
              help="Load tests only: accept cases with a shortened notice, on the task queue "
                   f"{SIMULATION_TASK_QUEUE!r} and the registry file {SIMULATION_REGISTRY_FILE!r}.")
def worker(settings: Settings, as_json: bool, simulation: bool) -> None:
    """A worker against an existing Temporal cluster (Ctrl-C stops it)."""
    from starters.serve import worker_until_signalled

    if simulation:
        queue = settings.task_queue if settings.task_queue != DEFAULT_TASK_QUEUE else SIMULATION_TASK_QUEUE
        settings = settings.model_copy(update={"simulation": True, "task_queue": queue})
    run(worker_until_signalled(settings))


@cli.command()
@common
def setup(settings: Settings, as_json: bool) -> None:
    """Prepare an existing Temporal cluster (idempotent): search attributes and the reminder Schedule."""
    from starters.setup import ensure_setup

    async def go() -> Any:
        return await ensure_setup(await connect(settings), settings)

    result = run(go())
    say(as_json, result, "\n".join(f"{k:24} {v}" for k, v in result.items()))


@cli.command()
@common
@click.option("--as", "official", required=True, help="Your official id.")
def inbox(settings: Settings, as_json: bool, official: str) -> None:
    """The cases still waiting for you (your role in your jurisdiction), the longest wait first."""

    async def go() -> Any:
        return await cases.inbox(await connect(settings), settings, official)

    rows = run(go())
    say(as_json, rows, render.table_text(rows, ["case_id", "stage", "waiting_since", "waited"]))


# -- registry ---------------------------------------------------------------------------------
@cli.group()
def registry() -> None:
    """Load and list the 建档立卡 registry."""


@registry.command("seed")
@common
def registry_seed(settings: Settings, as_json: bool) -> None:
    """Create the schema and load the synthetic Qingliu demo data (once)."""
    from starters.registry_commands import seed

    summary = seed(settings)
    say(as_json, summary, "\n".join(f"{k:12} {v}" for k, v in summary.items()))


@registry.command("households")
@common
@click.option("--township")
@click.option("--village")
@click.option("--status", type=click.Choice(["poor", "exited"]))
def registry_households(settings: Settings, as_json: bool, township: str | None, village: str | None, status: str | None) -> None:
    """Households (ids, village, members, status; no personal data)."""
    from starters.registry_commands import listing

    rows = listing(settings, "households", township_id=township, village_id=village, status=status)
    say(as_json, rows, render.table_text(rows, ["household_id", "village_id", "members", "status", "planned_exit_year", "exited_year"]))


_INCIDENCE_YEAR = click.option("--year", type=click.IntRange(2014, 2100), help="Population figures of this year [default: latest].")


@registry.command("villages")
@common
@click.option("--township")
@_INCIDENCE_YEAR
def registry_villages(settings: Settings, as_json: bool, township: str | None, year: int | None) -> None:
    """Villages: 贫困村 / 空壳村 designations and status, computed 贫困发生率."""
    from starters.registry_commands import listing

    rows = listing(settings, "villages", year=year, township_id=township)
    say(as_json, rows, render.table_text(rows, [
        "village_id", "name", "township_id", "poor_village", "poor_status", "hollow_village", "hollow_status",
        "poor_persons", "rural_population", "incidence_pct",
    ]))


@registry.command("townships")
@common
@_INCIDENCE_YEAR
def registry_townships(settings: Settings, as_json: bool, year: int | None) -> None:
    """Townships: key-township designation, status and computed 贫困发生率."""
    from starters.registry_commands import listing

    rows = listing(settings, "townships", year=year)
    say(as_json, rows, render.table_text(rows, [
        "township_id", "name", "key_township", "status", "poor_persons", "rural_population", "incidence_pct",
    ]))


@registry.command("officials")
@common
@click.option("--jurisdiction")
@click.option("--role")
def registry_officials(settings: Settings, as_json: bool, jurisdiction: str | None, role: str | None) -> None:
    """Officials: the id to pass as --as, their role and jurisdiction."""
    from starters.registry_commands import listing

    rows = listing(settings, "officials", jurisdiction_id=jurisdiction, role=role)
    say(as_json, rows, render.table_text(rows, ["official_id", "role", "jurisdiction_id", "name"]))


# -- cases ------------------------------------------------------------------------------------
@cli.group("open")
def open_() -> None:
    """Open an exit case (prints the case id)."""


def _open(settings: Settings, as_json: bool, exit_type: str, unit: str, year: int, first: DecisionCommand,
          designation: str | None = None, key_file: Path | None = None) -> None:
    async def go() -> Any:
        client = await connect(settings)
        opened = await cases.open_case(client, settings, exit_type, unit, year, first, designation, key_file)
        if opened.status == "rejected":
            raise Refused(f"case {opened.case_id} was refused on opening: {opened.outcome_reason}")
        return await cases.show(client, opened.case_id) if as_json else opened

    state = run(go())
    say(as_json, render.case_document(state) if as_json else None, state.case_id)


def _first(stage: str, official: str, meeting: str | None, note: str | None, **record: Any) -> DecisionCommand:
    return valid(DecisionCommand, stage=stage, outcome="approve", official_id=official, meeting_ref=meeting, note=note,
                 record={k: (v.date().isoformat() if hasattr(v, "date") else v) for k, v in record.items()})


_YEAR = click.option("--year", type=click.IntRange(2014, 2100), required=True, help="Exit year.")
_DATE = click.DateTime(["%Y-%m-%d"])


@open_.command("household")
@common
@signing
@click.argument("household", callback=unit_id_argument)
@_YEAR
@click.option("--as", "official", required=True, help="The village_secretary or village_director recording the 民主评议.")
@click.option("--meeting", required=True, help="Reference of the appraisal meeting's minutes.")
@click.option("--meeting-date", type=_DATE, required=True, help="Date the meeting was held.")
@click.option("--attendance", type=click.IntRange(1, 10000), required=True, help="How many attended.")
@click.option("--result", required=True, help="What the meeting concluded (e.g. 一致同意拟退出).")
@click.option("--note")
def open_household(settings: Settings, as_json: bool, household: str, year: int, official: str, meeting: str,
                   meeting_date: Any, attendance: int, result: str, note: str | None, key_file: Path | None) -> None:
    """民主评议: the village two committees propose HOUSEHOLD for exit in --year."""
    first = _first("appraisal", official, meeting, note, held_on=meeting_date, attendance=attendance, result=result)
    _open(settings, as_json, "household", household, year, first, key_file=key_file)


@open_.command("village")
@common
@signing
@click.argument("village", callback=unit_id_argument)
@_YEAR
@click.option("--designation", type=click.Choice(["poor", "hollow"]), required=True,
              help="Which exit: 贫困村 (poor) or 空壳村 (hollow); a village that is both runs two cases.")
@click.option("--as", "official", required=True, help="The township_secretary or township_head proposing the village.")
@click.option("--meeting", required=True, help="Minutes of the township's party and government meeting.")
@click.option("--surveyed-on", type=_DATE, required=True, help="Date of the survey (调查核实).")
@click.option("--departments", required=True, help="Departments that surveyed, comma-separated.")
@click.option("--infrastructure", required=True, help="Finding on the village's infrastructure.")
@click.option("--public-services", required=True, help="Finding on basic public services.")
@click.option("--industry", required=True, help="Finding on industry (产业发展).")
@click.option("--collective-economy", required=True, help="Finding on the collective economy.")
@click.option("--note")
def open_village(settings: Settings, as_json: bool, village: str, year: int, designation: str, official: str,
                 meeting: str, surveyed_on: Any, departments: str, infrastructure: str, public_services: str,
                 industry: str, collective_economy: str, note: str | None, key_file: Path | None) -> None:
    """调查核实: the township proposes VILLAGE for exit in --year, with its survey."""
    first = _first("survey", official, meeting, note, held_on=surveyed_on, departments=departments,
                   infrastructure=infrastructure, public_services=public_services, industry=industry,
                   collective_economy=collective_economy)
    _open(settings, as_json, "village", village, year, first, designation, key_file)


def _application_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        _YEAR,
        click.option("--as", "official", required=True, help="The applicant (township_head / county_group)."),
        click.option("--meeting", required=True, help="Minutes of the meeting that decided to apply."),
        click.option("--applied-on", type=_DATE, required=True, help="Date of the application."),
        click.option("--document", required=True, help="Reference of the application document."),
        click.option("--summary", required=True, help="What the application says."),
        click.option("--note"),
    ]):
        fn = option(fn)
    return fn


@open_.command("township")
@common
@signing
@click.argument("township", callback=unit_id_argument)
@_application_options
def open_township(settings: Settings, as_json: bool, township: str, year: int, official: str, meeting: str,
                  applied_on: Any, document: str, summary: str, note: str | None, key_file: Path | None) -> None:
    """乡申请: the township government applies for the key township's exit."""
    first = _first("application", official, meeting, note, held_on=applied_on, document_ref=document, summary=summary)
    _open(settings, as_json, "township", township, year, first, key_file=key_file)


@open_.command("county")
@common
@signing
@click.argument("county", callback=unit_id_argument)
@_application_options
def open_county(settings: Settings, as_json: bool, county: str, year: int, official: str, meeting: str,
                applied_on: Any, document: str, summary: str, note: str | None, key_file: Path | None) -> None:
    """县申请: the county leading group applies for the key county's exit."""
    first = _first("application", official, meeting, note, held_on=applied_on, document_ref=document, summary=summary)
    _open(settings, as_json, "county", county, year, first, key_file=key_file)


@cli.command()
@common
@signing
@click.argument("case", callback=case_id_argument)
@click.argument("outcome", type=click.Choice(["approve", "return", "reject"]))
@click.option("--stage", required=True, type=click.Choice(STAGES), help="The stage you decide (guards against a stale view).")
@click.option("--as", "official", required=True, help="Your official id.")
@click.option("--meeting", help="Minutes reference of the collective decision (集体研究), where the stage needs one.")
@click.option("--note", help="Note; the reason, required for return and reject.")
@click.option("--to", "to_stage", type=click.Choice(STAGES), help="With return: the earlier stage to return to.")
@click.option("--record", "records", multiple=True, metavar="KEY=VALUE",
              help="Stage data when re-recording a first stage after a return (e.g. held_on=2017-06-01).")
@click.option("--indicator", "indicators", multiple=True, metavar="NAME=close|far:NOTE",
              help="Assessment stages: your finding on each public-service indicator of the case.")
def decide(settings: Settings, as_json: bool, case: str, outcome: str, stage: str, official: str,
           meeting: str | None, note: str | None, to_stage: str | None, records: tuple[str, ...],
           indicators: tuple[str, ...], key_file: Path | None) -> None:
    """Approve, return (--to, --note) or reject (--note) at the case's current stage."""
    record: dict[str, Any] = _key_values(records)
    if indicators:
        record["findings"] = _indicator_findings(indicators)
    cmd = valid(DecisionCommand, stage=stage, outcome=outcome, official_id=official, meeting_ref=meeting,
                note=note, to_stage=to_stage, record=record or None)
    _after_update(settings, as_json, case, lambda client: cases.decide(client, settings, case, cmd, key_file))


@cli.command()
@common
@signing
@click.argument("case", callback=case_id_argument)
@click.option("--as", "official", required=True, help="The household head's id.")
@click.option("--note")
def consent(settings: Settings, as_json: bool, case: str, official: str, note: str | None, key_file: Path | None) -> None:
    """The household acknowledges its exit (得到拟退出贫困户认可)."""
    cmd = valid(ConsentCommand, official_id=official, note=note)
    _after_update(settings, as_json, case, lambda client: cases.consent(client, settings, case, cmd, key_file))


@cli.command("object")
@common
@click.argument("case", callback=case_id_argument)
@click.option("--name", required=True)
@click.option("--contact", required=True, help="Kept private in the registry; never shown in the case or notices.")
@click.option("--reason", required=True)
def object_(settings: Settings, as_json: bool, case: str, name: str, contact: str, reason: str) -> None:
    """Lodge an objection (异议) while the public notice is open (prints the objection id)."""
    valid(ObjectionCommand, name=name, reason=reason, contact_ref="x")
    if not contact.strip() or len(contact) > 200:
        raise BadUsage("--contact must be 1 to 200 characters")

    async def go() -> Any:
        client = await connect(settings)
        return await cases.lodge_objection(client, settings, case, name, contact, reason)

    ack = run(go())
    say(as_json, ack.model_dump(mode="json"), ack.objection_id or "")


@cli.command()
@common
@signing
@click.argument("case", callback=case_id_argument)
@click.argument("objection")
@click.argument("outcome", type=click.Choice(["uphold", "dismiss"]))
@click.option("--as", "official", required=True)
@click.option("--finding", required=True, help="What the investigation found.")
def resolve(settings: Settings, as_json: bool, case: str, objection: str, outcome: str, official: str, finding: str,
            key_file: Path | None) -> None:
    """Resolve an objection: uphold (the case is rejected) or dismiss (a new full notice window)."""
    cmd = valid(ResolutionCommand, objection_id=objection, outcome=outcome, official_id=official, finding=finding)
    _after_update(settings, as_json, case, lambda client: cases.resolve(client, settings, case, cmd, key_file))


@cli.command()
@common
@click.argument("case", callback=case_id_argument)
def show(settings: Settings, as_json: bool, case: str) -> None:
    """Stage, status, who is awaited, notice window, decisions."""

    async def go() -> Any:
        client = await connect(settings)
        return await cases.show(client, case)

    state = run(go())
    say(as_json, render.case_document(state), render.case_text(state))


@cli.command("list")
@common
@click.option("--type", "exit_type", type=click.Choice(sorted(PROCEDURES)))
@click.option("--township")
@click.option("--stage", type=click.Choice(STAGES))
@click.option("--status", type=click.Choice(["open", "exited", "rejected"]))
@click.option("--limit", type=click.IntRange(1, 10000), default=200, show_default=True)
def list_(settings: Settings, as_json: bool, exit_type: str | None, township: str | None, stage: str | None,
          status: str | None, limit: int) -> None:
    """Cases, filtered through the server's visibility store ("awaiting": everyone the case's current
    step awaited when it began; `show` says who is still needed)."""
    if township is not None and not SAFE_ID.match(township):
        raise BadUsage(f"--township {township!r} is not a township id")

    async def go() -> Any:
        client = await connect(settings)
        return await cases.list_cases(client, exit_type, township, stage, status, limit)

    rows = run(go())
    say(as_json, rows, render.table_text(rows, ["case_id", "stage", "status", "township", "awaiting"]))


def _key_values(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadUsage(f"--record takes KEY=VALUE, not {pair!r}")
        out[key] = value
    return out


def _indicator_findings(pairs: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    findings: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        name, sep, rest = pair.partition("=")
        verdict, _, note = rest.partition(":")
        if not sep or verdict not in ("close", "far") or not note.strip():
            raise BadUsage(f"--indicator takes NAME=close:NOTE or NAME=far:NOTE, not {pair!r}")
        findings[name] = {"close": verdict == "close", "note": note.strip()}
    return findings


def _after_update(settings: Settings, as_json: bool, case: str, send: Callable[[Any], Coroutine[Any, Any, Any]]) -> None:
    async def go() -> Any:
        client = await connect(settings)
        ack = await send(client)
        return ack, await cases.show(client, case)

    ack, state = run(go())
    doc = {"ack": ack.model_dump(mode="json"), "case": render.case_document(state)}
    waiting = ", ".join(a.key() for a in state.awaiting) or "-"
    say(as_json, doc, f"recorded #{ack.seq or ack.objection_id} — {state.case_id} is {state.status} at {state.stage}; awaiting {waiting}")


def _register_groups() -> None:
    from starters.dossier_commands import dossier, trace
    from starters.key_commands import keys, officials
    from starters.plan_commands import plan
    from starters.reconcile import reconcile
    from starters.supervision_commands import buffer, enroll, reenter, spotcheck, supervision

    for group in (keys, officials, plan, dossier, trace, spotcheck):
        cli.add_command(group)
    from starters.codec_commands import codec_keys, codec_server

    cli.add_command(codec_server)
    cli.add_command(codec_keys)
    for command in (reenter, enroll, buffer, supervision, reconcile):
        registry.add_command(command)


_register_groups()
