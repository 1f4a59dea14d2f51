"""`tuopin notice print` and `tuopin notice posted`: the 公示 as posted, and its posting recorded.

`notice print CASE --out F.html` writes the case's notice as a printable A4 page; `notice print
--village V` / `--township T` writes every notice open there (issued, awaiting its posting or within
its window), one per page. The page is built from the case alone (its `state` query): the worker read
the registry's particulars when it issued the notice, so officials' commands never open the registry.

`notice print LIST` prints a list's one notice (名单公示), a line per member (with --out, writes it too).

`notice posted CASE --as OFFICIAL --at TIME --place PLACE`: the official of the place records when and
where the notice was physically put up; the 7 days run from then. `notice posted LIST ...` records the
list's one notice once, for every member whose notice awaits its posting (docs/lists.md). Refused (exit 1) when the time is
in the future by the case's clock or before the minute the notice was issued, or when the place was
recorded.
"""

import asyncio
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from temporalio.client import Client

from domain.messages import CaseAck, PostingCommand
from starters import cases
from starters.cli_options import case_id_argument, common, run, say, signing, valid
from starters.client import connect
from starters.errors import BadUsage
from starters.signer import load_signer
from workers.settings import Settings
from workflows import search_attributes as sa

UNIT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
POSTED_UPDATE = "notice_posted"  # ExitCase.notice_posted


async def record_posting(client: Client, settings: Settings, cid: str, cmd: PostingCommand,
                         key_file: Path | None = None) -> CaseAck:
    if cmd.signature is None:
        now = await cases.progress(client, cid)
        cmd = load_signer(settings, cmd.official_id, key_file).sign(cid, now.stage, now.pass_id or "", cmd)
    return await cases._update(client, cid, POSTED_UPDATE, cmd)


async def open_notices(client: Client, village: str | None, township: str | None) -> list[Any]:
    """The cases whose notice is open in the village or township (by the case's own unit path)."""
    clauses = ["CaseStage = 'notice'", "CaseStatus = 'open'", cases.NOT_FAILED]
    if township:
        clauses.append(f"{sa.TOWNSHIP.name} = '{township}'")
    ids = [e.id async for e in client.list_workflows(" AND ".join(clauses))]
    states = await asyncio.gather(*(cases.show(client, cid) for cid in ids))
    found = [s for s in states if s.stage == "notice" and s.status == "open"
             and (village is None or (s.unit_path is not None and s.unit_path.village_id == village))]
    return sorted(found, key=lambda s: s.case_id)


@click.group("notice")
def notice() -> None:
    """公示: print the notice as posted; record its posting."""


@notice.command("print")
@common
@click.argument("case", metavar="[CASE|LIST]", required=False)
@click.option("--village", help="Every notice open in this village (by id).")
@click.option("--township", help="Every notice open in this township (by id).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write (A4, print CSS); for a LIST, optional (its text is printed).")
def print_(settings: Settings, as_json: bool, case: str | None, village: str | None, township: str | None,
           out: Path | None) -> None:
    """Write a case's notice (or every notice open in --village / --township) as a printable A4 page;
    print a list's one notice, a line per member."""
    from domain.name_lists import is_list_id
    from domain.notice_page import notice_page

    if sum(x is not None for x in (case, village, township)) != 1:
        raise BadUsage("give exactly one of CASE, LIST, --village V or --township T")
    if case is not None and is_list_id(case):
        from starters.list_commands import print_list_notice
        return print_list_notice(settings, as_json, case, out)
    if out is None:
        raise BadUsage("--out F.html is needed for a case's notice (or --village / --township)")
    if case is not None:
        case = case_id_argument(None, None, case)  # type: ignore[arg-type]
    for name, value in (("--village", village), ("--township", township)):
        if value is not None and not UNIT_ID.match(value):  # it goes into a visibility query
            raise BadUsage(f"{name} {value[:40]!r} is not a unit id")

    async def go() -> tuple[list[Any], str]:
        client = await connect(settings)
        if case is not None:
            state = await cases.show(client, case)
            if state.stage != "notice" or state.notice_issued_at is None:
                from starters.errors import Refused
                raise Refused(f"case {case} has no notice issued (stage {state.stage!r}, {state.status})", kind="NoticeNotOpen")
            return [state], f"公示 {case}"
        return await open_notices(client, village, township), f"公示 {village or township}"

    found, title = run(go())
    out.write_text(notice_page(found, title), encoding="utf-8")
    say(as_json, {"out": str(out), "cases": [s.case_id for s in found]}, f"wrote {out} ({len(found)} notice(s))")


@notice.command("posted")
@common
@signing
@click.argument("case", callback=case_id_argument)
@click.option("--as", "official", required=True, help="An official of the place (village or township leaders, city group).")
@click.option("--at", "posted_at", required=True, help="When it was posted, with its offset: 2017-05-02T09:00+08:00.")
@click.option("--place", required=True, help="Where it was posted, e.g. 村委会公示栏.")
def posted(settings: Settings, as_json: bool, case: str, official: str, posted_at: str, place: str, key_file: Path | None) -> None:
    """Record when and where the notice (of a case, or a list's one notice) was physically posted; its
    7 days run from then."""
    try:
        at = datetime.fromisoformat(posted_at)
    except ValueError:
        raise BadUsage(f"--at {posted_at!r} is not an ISO time (e.g. 2017-05-02T09:00+08:00)") from None
    from domain.name_lists import is_list_id

    if is_list_id(case):
        from starters.list_commands import post_list_notice
        return post_list_notice(settings, as_json, case, official, at, place, key_file)
    cmd = valid(PostingCommand, official_id=official, posted_at=at, place=place)

    async def go() -> Any:
        client = await connect(settings)
        ack = await record_posting(client, settings, case, cmd, key_file)
        return ack, await cases.show(client, case)

    ack, state = run(go())
    window = state.current_notice()
    text = (f"recorded #{ack.seq} — notice posted at {cmd.place}"
            + (f"; window open until {window.closes_at.isoformat()}" if window else "; awaiting the other places' postings"))
    say(as_json, {"ack": ack.model_dump(mode="json"), "notice": window.model_dump(mode="json") if window else None}, text)
