"""The list commands (名单, docs/lists.md): `tuopin open list household`, `sign-list`, `notice print|posted LIST`,
and the list side of `show` and `list --lists`.

Exit codes: 0 done; 1 refused (the message names the rule); 2 usage; 3 server unreachable.
"""

from pathlib import Path
from typing import Any

import click

from domain.messages import DecisionCommand
from starters import lists
from starters.cli_options import (
    DATE,
    STAGES,
    TEXT,
    case_id_argument,
    common,
    official_id_argument,
    run,
    say,
    signing,
    unit_id_argument,
    valid,
)
from starters.client import connect, require_case_worker, require_worker
from starters.errors import BadUsage
from workers.settings import Settings

@click.group("list")
def open_list() -> None:
    """Open a list (名单) and one case per member (prints the list id)."""


@open_list.command("household")
@common
@signing
@click.argument("village", callback=unit_id_argument)
@click.option("--year", type=click.IntRange(2014, 2100), required=True, help="Exit year.")
@click.option("--as", "official", required=True, callback=official_id_argument, help="The village_secretary or village_director recording the 民主评议.")
@click.option("--households", type=TEXT, help="The members, comma-separated household ids.")
@click.option("--planned", is_flag=True, help="The members: the village's households planned (in the registry's plan) "
              "to exit in --year that meet the criteria and have no case yet; those left out are named.")
@click.option("--meeting", type=TEXT, required=True, help="Reference of the one appraisal meeting's minutes.")
@click.option("--meeting-date", type=DATE, required=True, help="Date the meeting was held.")
@click.option("--attendance", type=click.IntRange(1, 10000), required=True, help="How many attended.")
@click.option("--result", type=TEXT, required=True, help="What the meeting concluded (e.g. 一致同意拟退出).")
@click.option("--note", type=TEXT)
def open_list_household(settings: Settings, as_json: bool, village: str, year: int, official: str,
                        households: str | None, planned: bool, meeting: str, meeting_date: Any, attendance: int,
                        result: str, note: str | None, key_file: Path | None) -> None:
    """贫困户退出名单: the 民主评议 of VILLAGE proposes --households (or --planned) for exit in --year, one meeting."""
    if (households is None) == (not planned):
        raise BadUsage("give exactly one of --households H1,H2,... or --planned")
    units = [h.strip() for h in households.split(",")] if households is not None else []
    for unit in units:
        unit_id_argument(None, None, unit)  # type: ignore[arg-type]
    first = valid(DecisionCommand, stage="appraisal", outcome="approve", official_id=official, meeting_ref=meeting,
                  note=note, record={"held_on": meeting_date.isoformat(), "attendance": attendance, "result": result})

    async def go() -> Any:
        client = await connect(settings)
        await require_worker(client, settings.task_queue, "nothing was sent")
        left_out: dict[str, str] = {}
        if planned:
            list_id, left_out = await lists.open_planned_list(client, settings, "household", village, year, first, key_file)
        else:
            list_id = await lists.open_list(client, settings, "household", village, year, units, first, key_file)
        if as_json:
            return {**await _document(client, list_id), "left_out": left_out}
        return "\n".join([list_id, *(f"not on it: {u}: {r}" for u, r in left_out.items())])

    out = run(go())
    say(as_json, out, out if isinstance(out, str) else "")


@open_list.command("village")
@common
@signing
@click.argument("township", callback=unit_id_argument)
@click.option("--year", type=click.IntRange(2014, 2100), required=True, help="Exit year.")
@click.option("--designation", type=click.Choice(["poor", "hollow"]), required=True,
              help="Which exit every village on the list makes: 贫困村 (poor) or 空壳村 (hollow).")
@click.option("--as", "official", required=True, callback=official_id_argument,
              help="The township_secretary or township_head proposing the list (the other countersigns it: sign-list --stage survey).")
@click.option("--villages", type=TEXT, required=True, help="The members, comma-separated village ids.")
@click.option("--meeting", type=TEXT, required=True, help="Minutes of the township's party and government meeting.")
@click.option("--surveyed-on", type=DATE, required=True, help="Date of the survey (调查核实).")
@click.option("--departments", type=TEXT, required=True, help="Departments that surveyed, comma-separated.")
@click.option("--infrastructure", type=TEXT, required=True, help="Finding on the villages' infrastructure.")
@click.option("--public-services", type=TEXT, required=True, help="Finding on basic public services.")
@click.option("--industry", type=TEXT, required=True, help="Finding on industry (产业发展).")
@click.option("--collective-economy", type=TEXT, required=True, help="Finding on the collective economy.")
@click.option("--note", type=TEXT)
def open_list_village(settings: Settings, as_json: bool, township: str, year: int, designation: str, official: str,
                      villages: str, meeting: str, surveyed_on: Any, departments: str, infrastructure: str,
                      public_services: str, industry: str, collective_economy: str, note: str | None,
                      key_file: Path | None) -> None:
    """拟退出村名单: the township's 调查核实 proposes --villages for exit in --year, one survey record."""
    from starters.case_commands import _first

    units = [v.strip() for v in villages.split(",")]
    for unit in units:
        unit_id_argument(None, None, unit)  # type: ignore[arg-type]
    first = _first("survey", official, meeting, note, held_on=surveyed_on, departments=departments,
                   infrastructure=infrastructure, public_services=public_services, industry=industry,
                   collective_economy=collective_economy)

    async def go() -> Any:
        client = await connect(settings)
        await require_worker(client, settings.task_queue, "nothing was sent")
        list_id = await lists.open_list(client, settings, "village", township, year, units, first, key_file, designation)
        return await _document(client, list_id) if as_json else list_id

    out = run(go())
    say(as_json, out, out if isinstance(out, str) else "")


@click.command("sign-list")
@common
@signing
@click.argument("list_id", metavar="LIST", callback=case_id_argument)
@click.option("--stage", required=True, type=click.Choice(STAGES), help="The stage you sign the list at.")
@click.option("--as", "official", required=True, callback=official_id_argument, help="Your official id.")
@click.option("--meeting", type=TEXT, help="Minutes reference of the collective decision (集体研究), where the stage needs one.")
@click.option("--note", type=TEXT)
@click.option("--except", "excepted", multiple=True, metavar="CASE=return:REASON|CASE=reject:REASON",
              help="Take a member out of your approval: return it (to the stage after the first, or "
                   "CASE=return@STAGE:REASON) or reject it. Repeatable.")
def sign_list(settings: Settings, as_json: bool, list_id: str, stage: str, official: str, meeting: str | None,
              note: str | None, excepted: tuple[str, ...], key_file: Path | None) -> None:
    """Sign a list once at a stage: its members there are approved, but those --except names."""
    from domain.name_lists import default_return_stage, is_list_id, list_exit_type, parse_exception
    from domain.procedures import PROCEDURES

    kind = list_exit_type(list_id) if is_list_id(list_id) else "household"
    back_to = default_return_stage(PROCEDURES[kind].stage_ids())
    try:
        exceptions = [parse_exception(text, back_to) for text in excepted]
    except ValueError as exc:
        raise BadUsage(str(exc).splitlines()[0]) from None

    async def go() -> Any:
        client = await connect(settings)
        await require_case_worker(client, list_id, "nothing was sent")
        return await lists.sign_list(client, settings, list_id, stage, official, meeting, note, exceptions, key_file)

    result = run(go())
    text = [f"signed {result.list_id} at {result.stage}: {len(result.accepted)} member(s) accepted"]
    text += [f"  refused by {case}: {reason}" for case, reason in result.refused.items()]
    say(as_json, result.model_dump(mode="json"), "\n".join(text))


async def _document(client: Any, list_id: str) -> dict[str, Any]:
    from domain.list_views import list_document

    names, members = await lists.show_list(client, list_id)
    return list_document(names, members)


def show_list(settings: Settings, as_json: bool, list_id: str) -> None:
    """`tuopin show LIST` (starters/case_commands.show hands a list id here)."""
    from domain.list_views import list_text

    async def go() -> Any:
        return await _document(await connect(settings), list_id)

    doc = run(go())
    say(as_json, doc, list_text(doc))


def list_lists(settings: Settings, as_json: bool, limit: int) -> None:
    """`tuopin list --lists`."""
    from starters import render

    async def go() -> Any:
        return await lists.list_lists(await connect(settings), limit)

    rows = run(go())
    say(as_json, rows, render.table_text(rows, ["list_id", "unit_id", "year", "status"]))


def print_list_notice(settings: Settings, as_json: bool, list_id: str, out: Path | None) -> None:
    """`tuopin notice print LIST` (starters/notice_commands hands a list id here): the one notice
    posted for the list, each line one member."""
    from domain.list_views import notice_print as render_notice

    async def go() -> Any:
        return await _document(await connect(settings), list_id)

    doc = run(go())
    text = render_notice(doc)
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
    say(as_json, {"list_id": doc["list_id"], "notice": doc["notice"], "text": text}, text)


def post_list_notice(settings: Settings, as_json: bool, list_id: str, official: str, at: Any, place: str,
                     key_file: Path | None) -> None:
    """`tuopin notice posted LIST` (starters/notice_commands hands a list id here): the list's one
    notice posted, recorded once; every member it covers checks the signed posting itself."""
    official_id_argument(None, None, official)  # type: ignore[arg-type]

    async def go() -> Any:
        client = await connect(settings)
        await require_case_worker(client, list_id, "nothing was sent")
        return await lists.post_list_notice(client, settings, list_id, official, at, place, key_file)

    result = run(go())
    if not result.accepted:  # every member refused it: nothing was recorded
        from starters.errors import Refused

        raise Refused(f"no member of {result.list_id} accepted the posting: "
                      + "; ".join(f"{case}: {reason}" for case, reason in result.refused.items()), kind="PostingRefused")
    text = [f"recorded the notice of {result.list_id} posted at {place}: {len(result.accepted)} member(s) accepted"]
    text += [f"  refused by {case}: {reason}" for case, reason in result.refused.items()]
    say(as_json, result.model_dump(mode="json"), "\n".join(text))
