"""What the CLI does to lists (名单, docs/lists.md), as plain async functions the tests call too."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from domain.case_ids import case_id as make_case_id
from domain.list_notice import NOTICE_STAGE, ListPostingCommand
from domain.list_state import ListDecisionResult, ListState, MemberView, OpenListInput
from domain.messages import DecisionCommand
from domain.name_lists import MAX_MEMBERS, ListDecisionCommand, ListMember, is_list_id, list_id_for, planned_list_id
from domain.progress import CaseProgress
from starters import cases
from starters.client import call, query
from starters.errors import BadUsage, Refused
from starters.signer import load_signer
from workers.settings import Settings

if TYPE_CHECKING:
    from domain.case import CaseState

LIST_WORKFLOW = "NameListWorkflow"
OPENING_AT_ONCE = 8  # member cases opened at the same time


async def open_list(
    client: Client, settings: Settings, exit_type: str, unit_id: str, year: int, units: list[str],
    first: DecisionCommand, key_file: Path | None = None, designation: str | None = None,
) -> str:
    """All or nothing: starts the list, which checks every member against the registry (and that none
    has a case already) before any case is opened; a refusal names each refused unit and nothing is
    opened (the list's run fails, its id stays free). Then opens one case per unit, each with the
    record of the one meeting (signed for that case), and tells the list which opened."""
    if not units:
        raise BadUsage("a list names at least one member (--households)")
    if len(set(units)) != len(units):
        twice = sorted({u for u in units if units.count(u) > 1})
        raise BadUsage(f"a list names each member once; named twice: {', '.join(twice)}")
    if len(units) > MAX_MEMBERS:
        raise BadUsage(f"a list has at most {MAX_MEMBERS} members, not {len(units)}")
    members = [make_case_id(exit_type, u, year, designation) for u in units]  # type: ignore[arg-type]
    list_id = list_id_for(exit_type, unit_id, year, members)
    inp = OpenListInput(exit_type=exit_type, unit_id=unit_id, year=year, members=members, units=units,
                        designation=designation, opened_by=first.official_id)
    check = await _start_checked(client, settings, list_id, inp)
    if check.refused:
        raise Refused("no case was opened; refused: " + "; ".join(f"{u}: {r}" for u, r in check.refused.items()),
                      kind="MembersRefused")
    await _open_members(client, settings, list_id, exit_type, year, units, first, key_file, designation)
    return list_id


async def open_planned_list(client: Client, settings: Settings, exit_type: str, unit_id: str, year: int,
                            first: DecisionCommand, key_file: Path | None = None) -> tuple[str, dict[str, str]]:
    """--planned: the list chooses its members (the unit's households planned for the year that meet
    the criteria and have no case yet), then they are opened as for a named list. Returns the list id
    and those left out, with the reason. One planned list per unit and year."""
    list_id = planned_list_id(exit_type, unit_id, year)
    inp = OpenListInput(exit_type=exit_type, unit_id=unit_id, year=year, members=[], planned=True,
                        opened_by=first.official_id)
    check = await _start_checked(client, settings, list_id, inp)
    if check.refused:
        raise Refused("no case was opened; refused: " + "; ".join(f"{u}: {r}" for u, r in check.refused.items()),
                      kind="MembersRefused")
    await _open_members(client, settings, list_id, exit_type, year, check.units, first, key_file)
    return list_id, check.left_out


async def _start_checked(client: Client, settings: Settings, list_id: str, inp: OpenListInput) -> Any:
    """Starts the list and waits, in the same request, for its check of every member."""
    from activities.list_activities import OpeningRefusals

    start = WithStartWorkflowOperation(
        LIST_WORKFLOW, inp, id=list_id, task_queue=settings.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        static_summary=(f"名单 {inp.exit_type} {inp.unit_id} {inp.year}: "
                        + ("planned" if inp.planned else f"{len(inp.members)} members")),
    )
    try:
        return await call(list_id, client.execute_update_with_start_workflow(
            "checked", start_workflow_operation=start, result_type=OpeningRefusals))
    except BaseException:
        with contextlib.suppress(BaseException):  # the SDK keeps the failed start's error too
            await asyncio.wait_for(start.workflow_handle(), 1)
        raise


async def _open_members(client: Client, settings: Settings, list_id: str, exit_type: str, year: int,
                        units: list[str], first: DecisionCommand, key_file: Path | None,
                        designation: str | None = None) -> None:
    members = [make_case_id(exit_type, u, year, designation) for u in units]  # type: ignore[arg-type]
    gate = asyncio.Semaphore(OPENING_AT_ONCE)

    async def open_one(unit: str) -> CaseProgress:
        async with gate:
            return await cases.open_case(client, settings, exit_type, unit, year, first, designation=designation,
                                         key_file=key_file)

    opened = await asyncio.gather(*(open_one(u) for u in units), return_exceptions=True)
    not_opened: dict[str, str] = {}
    for unit, case, result in zip(units, members, opened):
        if isinstance(result, BaseException):
            if not isinstance(result, (Refused, BadUsage)):
                raise result
            not_opened[case] = f"{unit}: {result.format_message()}"
    await call(list_id, client.get_workflow_handle(list_id).execute_update("opened", not_opened))
    if not_opened:  # only a race the check cannot exclude (a case opened meanwhile, a post changed hands)
        raise Refused(f"{list_id}\nopened with {len(members) - len(not_opened)} member(s); not opened: "
                      + "; ".join(not_opened.values()), kind="MembersRefused")


def _list_id(value: str) -> str:
    if not is_list_id(value):
        raise Refused(f"{value!r} is not a list id (e.g. household-list/<village>/<year>/<tag>, "
                      "village-list/<township>/<year>/<tag>)", kind="unknown_case")
    return value


async def list_state(client: Client, list_id: str) -> ListState:
    return await query(client.get_workflow_handle(_list_id(list_id)), "state", ListState)


async def member_states(client: Client, names: ListState) -> list[CaseState]:
    return list(await asyncio.gather(*(cases.show(client, m.case_id) for m in names.members)))


async def show_list(client: Client, list_id: str) -> tuple[ListState, list[CaseState]]:
    """The list and each member's case as it is now (the members are the authority)."""
    names = await list_state(client, list_id)
    members = await member_states(client, names)
    current = names.model_copy(update={"members": [
        MemberView(case_id=m.case_id, stage=m.stage, status=m.status, pass_id=m.pass_id) for m in members
    ]})
    return current, members


async def sign_list(
    client: Client, settings: Settings, list_id: str, stage: str, official_id: str, meeting_ref: str | None,
    note: str | None, exceptions: list[Any], key_file: Path | None = None,
) -> ListDecisionResult:
    """Signs the list once over its members at ``stage`` (each with the pass it is in now) and sends
    it to the list, which relays it to each member; every member checks it itself."""
    names = await list_state(client, list_id)
    progress: list[CaseProgress] = list(await asyncio.gather(*(cases.progress(client, m.case_id) for m in names.members)))
    at_stage = [p for p in progress if p.status == "open" and p.ready and p.stage == stage and p.pass_id]
    if not at_stage:
        where = ", ".join(sorted({f"{p.stage} ({p.status})" for p in progress}))
        raise Refused(f"no member of {list_id} is open at {stage!r} (members are at: {where})", kind="WrongStage")
    on_it = {p.case_id for p in at_stage}
    strangers = [e.case_id for e in exceptions if e.case_id not in on_it]
    if strangers:
        raise BadUsage(f"--except names {', '.join(strangers)}, not a member of {list_id} at {stage!r}")
    members = [ListMember(case_id=p.case_id, stage=p.stage, pass_id=p.pass_id or "") for p in at_stage]
    try:
        cmd = ListDecisionCommand(list_id=list_id, stage=stage, official_id=official_id, meeting_ref=meeting_ref,
                                  note=note, members=members, exceptions=exceptions)
    except ValueError as exc:
        raise BadUsage(str(exc)) from None
    cmd = load_signer(settings, official_id, key_file).sign(list_id, stage, cmd.pass_binding(), cmd)
    return await send_list_decision(client, cmd)


async def post_list_notice(
    client: Client, settings: Settings, list_id: str, official_id: str, posted_at: datetime, place: str,
    key_file: Path | None = None,
) -> ListDecisionResult:
    """The village records the posting of the list's one notice once: signed over the members whose
    notice awaits its posting (each with the pass of its notice stage), sent to the list, which relays
    it to each of them; every member checks it itself."""
    from domain.notice_posting import awaiting_posting

    names = await list_state(client, list_id)
    members = await member_states(client, names)
    awaiting = [m for m in members if m.status == "open" and m.stage == NOTICE_STAGE and m.ready and m.pass_id
                and awaiting_posting(m)]
    if not awaiting:
        where = ", ".join(sorted({f"{m.stage} ({m.status})" for m in members}))
        raise Refused(f"no member of {list_id} has a notice awaiting its posting (members are at: {where})",
                      kind="NoticeNotOpen")
    try:
        cmd = ListPostingCommand(
            list_id=list_id, official_id=official_id, posted_at=posted_at, place=place,
            members=[ListMember(case_id=m.case_id, stage=m.stage, pass_id=m.pass_id or "") for m in awaiting],
        )
    except ValueError as exc:
        raise BadUsage(str(exc).splitlines()[0]) from None
    cmd = load_signer(settings, official_id, key_file).sign(list_id, NOTICE_STAGE, cmd.pass_binding(), cmd)
    return await send_list_posting(client, cmd)


async def send_list_posting(client: Client, cmd: ListPostingCommand) -> ListDecisionResult:
    handle = client.get_workflow_handle(_list_id(cmd.list_id))
    return await call(cmd.list_id, handle.execute_update("notice_posted", cmd, result_type=ListDecisionResult))


async def send_list_decision(client: Client, cmd: ListDecisionCommand) -> ListDecisionResult:
    handle = client.get_workflow_handle(_list_id(cmd.list_id))
    return await call(cmd.list_id, handle.execute_update("decide", cmd, result_type=ListDecisionResult))


async def list_lists(client: Client, limit: int) -> list[dict[str, Any]]:
    rows = []
    async for execution in client.list_workflows(f"WorkflowType = '{LIST_WORKFLOW}' AND ExecutionStatus != 'Failed'", limit=limit):
        _, unit, year, _ = execution.id.split("/", 3)
        rows.append({
            "list_id": execution.id, "unit_id": unit, "year": int(year),
            "status": "open" if execution.status is not None and execution.status.name == "RUNNING" else "closed",
            "started_at": execution.start_time.isoformat() if execution.start_time else None,
        })
    return rows


async def fold_into_lists(client: Client, key: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`tuopin inbox`: a list awaits whoever its members at the list's stage await. Each open list with a
    member among ``rows`` (the cases awaiting ``key``) becomes one row, in place of its members at the
    list's stage that await ``key``; its other members keep their own rows."""
    from domain.list_views import list_document

    by_case = {r["case_id"]: r for r in rows}
    if not by_case:
        return rows
    lists_open = [e.id async for e in client.list_workflows(
        f"WorkflowType = '{LIST_WORKFLOW}' AND ExecutionStatus = 'Running'")]
    states = await asyncio.gather(*(list_state(client, list_id) for list_id in lists_open))
    folded: list[dict[str, Any]] = []
    for names in states:
        if not any(m.case_id in by_case for m in names.members):
            continue
        current, members = await show_list(client, names.list_id)
        doc = list_document(current, members)
        mine = [m.case_id for m in members if m.status == "open" and m.stage == doc["stage"] and m.case_id in by_case
                and key in {a.key() for a in m.awaiting}]
        if not mine:
            continue
        since = min((by_case[c]["waiting_since"] for c in mine if by_case[c]["waiting_since"]), default=None)
        first = next((by_case[c] for c in mine if by_case[c]["waiting_since"] == since), by_case[mine[0]])
        folded.append({**first, "case_id": names.list_id, "list_id": names.list_id, "stage": doc["stage"],
                       "members": mine})
        for c in mine:
            by_case.pop(c)
    return sorted([*by_case.values(), *folded], key=lambda r: r["waiting_since"] or "")
