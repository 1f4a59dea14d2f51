"""The case commands: `tuopin open household|village|township|county|enrollment`, `decide`, `consent`, `object`,
`resolve`, `show`, `list` and `inbox`.

Register with ``cli.add_command(...)`` for each of ``CASE_COMMANDS`` (``starters.cli`` does).
Exit codes: 0 done; 1 refused (the message names the rule); 2 usage; 3 server or registry unreachable,
no worker polls the case's task queue (then nothing is sent), or a worker did not answer in time (an
update is then "sent, not yet applied"); 130 Ctrl-C.
"""

import asyncio
import datetime
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import click

from domain.messages import ConsentCommand, DecisionCommand, ObjectionCommand, ResolutionCommand
from domain.text import is_blank
from starters import cases  # starters.render (domain.case, the procedures) only where a case is printed
from starters.cli_options import (
    DATE,
    EXIT_TYPES,
    SAFE_ID,
    STAGES,
    TEXT,
    case_id_argument,
    common,
    official_id_argument,
    parse_date,
    run,
    say,
    signing,
    unit_id_argument,
    valid,
)
from starters.cli import LazyGroup
from starters.client import connect, require_case_worker, require_worker
from starters.errors import BadUsage
from starters.signer import check_signer, load_signer
from workers.settings import Settings


@click.group("open", cls=LazyGroup, lazy={
    "list": ("starters.list_commands", "open_list", "Open a list (名单) and one case per member..."),
})
def open_() -> None:
    """Open an exit case, or an enrolment (prints the case id)."""


NOTHING_SENT = "nothing was sent"


def _open(settings: Settings, as_json: bool, exit_type: str, unit: str, year: int, first: DecisionCommand,
          designation: str | None = None, key_file: Path | None = None) -> None:
    from domain.case_ids import case_id

    check_signer(settings, first.official_id, key_file)

    async def go() -> Any:
        client = await connect(settings)
        await require_worker(client, settings.task_queue, NOTHING_SENT)
        opened = await cases.open_case(client, settings, exit_type, unit, year, first, designation, key_file)
        return await cases.show(client, opened.case_id) if as_json else opened

    state = run(go(), interrupted=_interrupted_after_sending(case_id(exit_type, unit, year, designation)))  # type: ignore[arg-type]
    from starters import render
    say(as_json, render.case_document(state) if as_json else None, state.case_id)


def _first(stage: str, official: str, meeting: str | None, note: str | None, **record: Any) -> DecisionCommand:
    return valid(DecisionCommand, stage=stage, outcome="approve", official_id=official, meeting_ref=meeting, note=note,
                 record={k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in record.items()})


_YEAR = click.option("--year", type=click.IntRange(2014, 2100), required=True,
                     help="Exit year: the registry's working year (`tuopin registry year`); any other is refused.")


@open_.command("household")
@common
@signing
@click.argument("household", callback=unit_id_argument)
@_YEAR
@click.option("--as", "official", required=True, callback=official_id_argument, help="The village_secretary or village_director recording the 民主评议.")
@click.option("--meeting", type=TEXT, required=True, help="Reference of the appraisal meeting's minutes.")
@click.option("--meeting-date", type=DATE, required=True, help="Date the meeting was held.")
@click.option("--attendance", type=click.IntRange(1, 10000), required=True, help="How many attended.")
@click.option("--result", type=TEXT, required=True, help="What the meeting concluded (e.g. 一致同意拟退出).")
@click.option("--note", type=TEXT)
def open_household(settings: Settings, as_json: bool, household: str, year: int, official: str, meeting: str,
                   meeting_date: Any, attendance: int, result: str, note: str | None, key_file: Path | None) -> None:
    """民主评议: the village two committees propose HOUSEHOLD for exit in --year."""
    first = _first("appraisal", official, meeting, note, held_on=meeting_date, attendance=attendance, result=result)
    _open(settings, as_json, "household", household, year, first, key_file=key_file)


@open_.command("enrollment")
@common
@signing
@click.argument("household", callback=unit_id_argument)
@click.option("--year", type=click.IntRange(2014, 2100), required=True, help="The year of the enrolment.")
@click.option("--reason", type=click.Choice(["newly-poor", "returned"]), required=True,
              help="newly-poor (新识别: registered first with `tuopin registry register`) or returned (返贫: it had exited).")
@click.option("--as", "official", required=True, callback=official_id_argument, help="The village_secretary or village_director recording the 民主评议.")
@click.option("--meeting", type=TEXT, required=True, help="Reference of the appraisal meeting's minutes.")
@click.option("--meeting-date", type=DATE, required=True, help="Date the meeting was held.")
@click.option("--attendance", type=click.IntRange(1, 10000), required=True, help="How many attended.")
@click.option("--result", type=TEXT, required=True, help="What the meeting concluded (e.g. 一致同意拟纳入).")
@click.option("--note", type=TEXT)
def open_enrollment(settings: Settings, as_json: bool, household: str, year: int, reason: str, official: str,
                    meeting: str, meeting_date: Any, attendance: int, result: str, note: str | None,
                    key_file: Path | None) -> None:
    """民主评议: the village two committees propose HOUSEHOLD for enrolment (新增 / 返贫) in --year; then
    a 7-day notice, the township's review and the county's approval, as for an exit."""
    first = _first("appraisal", official, meeting, note, held_on=meeting_date, attendance=attendance, result=result,
                   reason=reason)
    _open(settings, as_json, "enrollment", household, year, first, key_file=key_file)


@open_.command("village")
@common
@signing
@click.argument("village", callback=unit_id_argument)
@_YEAR
@click.option("--designation", type=click.Choice(["poor", "hollow"]), required=True,
              help="Which exit: 贫困村 (poor) or 空壳村 (hollow); a village that is both runs two cases.")
@click.option("--as", "official", required=True, callback=official_id_argument, help="The township_secretary or township_head proposing the village.")
@click.option("--meeting", type=TEXT, required=True, help="Minutes of the township's party and government meeting.")
@click.option("--surveyed-on", type=DATE, required=True, help="Date of the survey (调查核实).")
@click.option("--departments", type=TEXT, required=True, help="Departments that surveyed, comma-separated.")
@click.option("--infrastructure", type=TEXT, required=True, help="Finding on the village's infrastructure.")
@click.option("--public-services", type=TEXT, required=True, help="Finding on basic public services.")
@click.option("--industry", type=TEXT, required=True, help="Finding on industry (产业发展).")
@click.option("--collective-economy", type=TEXT, required=True, help="Finding on the collective economy.")
@click.option("--note", type=TEXT)
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
        click.option("--as", "official", required=True, callback=official_id_argument, help="The applicant (township_head / county_group)."),
        click.option("--meeting", type=TEXT, required=True, help="Minutes of the meeting that decided to apply."),
        click.option("--applied-on", type=DATE, required=True, help="Date of the application."),
        click.option("--document", type=TEXT, required=True, help="Reference of the application document."),
        click.option("--summary", type=TEXT, required=True, help="What the application says."),
        click.option("--note", type=TEXT),
    ]):
        fn = option(fn)
    return fn


def _application_command(exit_type: str, doc: str) -> click.Command:
    """`open township` and `open county`: the unit applies for its own exit, with the same record."""

    @open_.command(exit_type, help=doc)
    @common
    @signing
    @click.argument("unit", metavar=exit_type.upper(), callback=unit_id_argument)
    @_application_options
    def open_applicant(settings: Settings, as_json: bool, unit: str, year: int, official: str, meeting: str,
                       applied_on: Any, document: str, summary: str, note: str | None, key_file: Path | None) -> None:
        first = _first("application", official, meeting, note, held_on=applied_on, document_ref=document, summary=summary)
        _open(settings, as_json, exit_type, unit, year, first, key_file=key_file)

    return open_applicant


open_township = _application_command("township", "乡申请: the township government applies for the key township's exit.")
open_county = _application_command("county", "县申请: the county leading group applies for the key county's exit.")


@click.command()
@common
@signing
@click.argument("case", callback=case_id_argument)
@click.argument("outcome", type=click.Choice(["approve", "return", "reject"]))
@click.option("--stage", required=True, type=click.Choice(STAGES), help="The stage you decide (guards against a stale view).")
@click.option("--as", "official", required=True, callback=official_id_argument, help="Your official id.")
@click.option("--meeting", type=TEXT, help="Minutes reference of the collective decision (集体研究), where the stage needs one.")
@click.option("--note", type=TEXT, help="Note; the reason, required for return and reject.")
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
    check_signer(settings, official, key_file)
    _after_update(settings, as_json, case, lambda client: cases.decide(client, settings, case, cmd, key_file))


@click.command()
@common
@signing
@click.argument("case", callback=case_id_argument)
@click.option("--as", "official", required=True, callback=official_id_argument, help="The household head's id.")
@click.option("--note", type=TEXT, help="A remark; with --refuse, the household's reason (required).")
@click.option("--refuse", is_flag=True, help="The household does not accept its exit (不认可): the case goes back to the appraisal.")
def consent(
    settings: Settings, as_json: bool, case: str, official: str, note: str | None, refuse: bool, key_file: Path | None
) -> None:
    """The household acknowledges its exit (得到拟退出贫困户认可), or with --refuse does not."""
    cmd = valid(ConsentCommand, official_id=official, note=note, refuse=refuse)
    check_signer(settings, official, key_file)
    _after_update(settings, as_json, case, lambda client: cases.consent(client, settings, case, cmd, key_file))


@click.command("object")
@common
@click.argument("case", callback=case_id_argument)
@click.option("--name", type=TEXT, required=True)
@click.option("--contact", type=TEXT, required=True, help="Kept private in the registry; never shown in the case or notices.")
@click.option("--reason", type=TEXT, required=True)
def object_(settings: Settings, as_json: bool, case: str, name: str, contact: str, reason: str) -> None:
    """Lodge an objection (异议) while the public notice is open (prints the objection id)."""
    cmd = valid(ObjectionCommand, name=name, reason=reason, contact=contact)

    async def go() -> Any:
        client = await connect(settings)
        await require_case_worker(client, case, NOTHING_SENT)
        return await cases.lodge_objection(client, case, cmd.name, cmd.contact, cmd.reason)

    ack = run(go(), interrupted=_interrupted_after_sending(case))
    say(as_json, ack.model_dump(mode="json"), ack.objection_id or "")


@click.command()
@common
@signing
@click.argument("case", callback=case_id_argument)
@click.argument("objection")
@click.argument("outcome", type=click.Choice(["uphold", "dismiss"]))
@click.option("--as", "official", required=True, callback=official_id_argument)
@click.option("--finding", type=TEXT, required=True, help="What the investigation found.")
def resolve(settings: Settings, as_json: bool, case: str, objection: str, outcome: str, official: str, finding: str,
            key_file: Path | None) -> None:
    """Resolve an objection: uphold (the case is rejected) or dismiss (a new full notice window)."""
    cmd = valid(ResolutionCommand, objection_id=objection, outcome=outcome, official_id=official, finding=finding)
    check_signer(settings, official, key_file)
    _after_update(settings, as_json, case, lambda client: cases.resolve(client, settings, case, cmd, key_file))


@click.command()
@common
@click.argument("case", callback=case_id_argument)
def show(settings: Settings, as_json: bool, case: str) -> None:
    """Stage, status, who is awaited, notice window, decisions (of a case, or of a list: 名单)."""
    if case.startswith(("household-list/", "village-list/")):
        from starters.list_commands import show_list

        return show_list(settings, as_json, case)

    async def go() -> Any:
        client = await connect(settings)
        await require_case_worker(client, case, "no one can answer for the case")
        return await cases.show(client, case)

    state = run(go())
    from starters import render
    say(as_json, render.case_document(state), render.case_text(state))


@click.command("list")
@common
@click.option("--type", "exit_type", type=click.Choice(EXIT_TYPES))
@click.option("--township")
@click.option("--stage", type=click.Choice(STAGES))
@click.option("--status", type=click.Choice(["open", "exited", "enrolled", "rejected"]))
@click.option("--limit", type=click.IntRange(1, 10000), default=200, show_default=True)
@click.option("--lists", "of_lists", is_flag=True, help="The lists (名单) instead of the cases.")
def list_(settings: Settings, as_json: bool, exit_type: str | None, township: str | None, stage: str | None,
          status: str | None, limit: int, of_lists: bool = False) -> None:
    """Cases, filtered through the server's visibility store ("awaiting": everyone the case's current
    step awaited when it began; `show` says who is still needed)."""
    if of_lists:
        from starters.list_commands import list_lists

        return list_lists(settings, as_json, limit)
    if township is not None and not SAFE_ID.match(township):
        raise BadUsage(f"--township {township!r} is not a township id")

    async def go() -> Any:
        client = await connect(settings, reads_payloads=False)
        return await cases.list_cases(client, exit_type, township, stage, status, limit)

    rows = run(go())
    from starters import render
    say(as_json, rows, render.table_text(rows, ["case_id", "stage", "status", "township", "awaiting"]))


def _key_values(pairs: tuple[str, ...]) -> dict[str, str]:
    """--record KEY=VALUE pairs; a date (held_on, and any KEY ending in _on) must be one."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadUsage(f"--record takes KEY=VALUE, not {pair!r}")
        if is_blank(value):
            raise BadUsage(f"--record {key}= cannot be blank: write what it says")
        if key.endswith("_on"):
            try:
                value = parse_date(value).isoformat()
            except ValueError as exc:
                raise BadUsage(f"--record {key}: {exc}") from None
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
    """Sends the update, then says where the case stands: the whole case with --json; for people, its
    stage, status and who it still needs (two small queries, no whole-case document to build)."""
    async def go() -> Any:
        client = await connect(settings)
        await require_case_worker(client, case, NOTHING_SENT)
        ack = await send(client)
        if as_json:
            return ack, await cases.show(client, case)
        progress, waiting = await asyncio.gather(cases.progress(client, case), cases.still_awaited_by(client, case))
        return ack, (progress, waiting)

    ack, seen = run(go(), interrupted=_interrupted_after_sending(case))
    if as_json:
        from starters import render
        say(as_json, {"ack": ack.model_dump(mode="json"), "case": render.case_document(seen)}, "")
        return
    progress, waiting = seen
    click.echo(f"recorded #{ack.seq or ack.objection_id} — {progress.case_id} is {progress.status} at {progress.stage}; "
               f"awaiting {', '.join(waiting) or '-'}")


@click.command()
@common
@signing
@click.option("--as", "official", required=True, callback=official_id_argument, help="Your official id.")
def inbox(settings: Settings, as_json: bool, official: str, key_file: Path | None) -> None:
    """The cases still waiting for you (your role in your jurisdiction, from your identity file beside
    your key), the longest wait first."""

    load_signer(settings, official, key_file)  # who you are, before the server is asked

    async def go() -> Any:
        client = await connect(settings)
        await require_worker(client, settings.task_queue, "the cases cannot say whom they still await")
        return await cases.inbox(client, settings, official, key_file)

    rows = run(go())
    from starters import render
    say(as_json, rows, render.table_text(rows, ["case_id", "stage", "waiting_since", "waited"]))


def _interrupted_after_sending(case: str) -> str:
    return (f"interrupted (Ctrl-C): what was sent, if anything, may still be applied; see `tuopin show {case}` "
            "before sending it again")


CASE_COMMANDS = (open_, decide, consent, object_, resolve, show, list_, inbox)
