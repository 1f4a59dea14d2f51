"""What the CLI does to cases, as plain async functions the tests can call too (main(client=...))."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecution,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from activities.case_queries import still_awaited
from domain.case_ids import case_id as make_case_id
from domain.case_ids import exit_type_of
from domain.messages import (
    CaseAck,
    ConsentCommand,
    DecisionCommand,
    ObjectionCommand,
    OpenCaseInput,
    ResolutionCommand,
)
from domain.progress import CaseProgress
from domain.signing import OPENING_PASS
from starters.client import QUERY_TIMEOUT, call, query, update
from starters.errors import Refused, Unreachable
from starters.signer import load_signer
from workers.settings import Settings
from workflows import search_attributes as sa

if TYPE_CHECKING:  # a decision needs none of these: imported where a command uses them
    from domain.case import CaseState
    from domain.simulation import Simulation

# The workflow type of each exit, by name: the CLI starts cases without importing workflow code.
WORKFLOW_NAME_BY_EXIT_TYPE = {
    "household": "HouseholdExitWorkflow",
    "village": "VillageExitWorkflow",
    "township": "TownshipExitWorkflow",
    "county": "CountyExitWorkflow",
    "enrollment": "HouseholdEnrollmentWorkflow",
}
OPEN_WAIT_SECONDS = 20.0
OPENED_UPDATE = "opened"  # ExitCase.opened
# A refused opening fails its run (so the unit can be opened again): such a run is no case.
NOT_FAILED = "ExecutionStatus != 'Failed'"


async def open_case(
    client: Client, settings: Settings, exit_type: str, unit_id: str, year: int, first: DecisionCommand,
    designation: str | None = None, key_file: Path | None = None, simulation: Simulation | None = None,
) -> CaseProgress:
    """Signs the opening record and starts the case; the case itself checks the opening (facts,
    criteria, roster, signature). A refused opening fails its run, which leaves the unit free for a
    corrected opening, and is reported here as a refusal naming the reason."""
    from domain.case_summary import static_details, static_summary
    from domain.procedures import PROCEDURES

    first = _normalized(exit_type, first)
    cid = make_case_id(exit_type, unit_id, year, designation)  # type: ignore[arg-type]
    if first.signature is None:
        first = load_signer(settings, first.official_id, key_file).sign(cid, first.stage, OPENING_PASS, first)
    inp = OpenCaseInput(
        exit_type=exit_type, unit_id=unit_id, year=year, first_decision=first, designation=designation, simulation=simulation
    )
    procedure = PROCEDURES[exit_type]
    start = WithStartWorkflowOperation(
        WORKFLOW_NAME_BY_EXIT_TYPE[exit_type],
        inp,
        id=cid,
        task_queue=settings.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        static_summary=static_summary(exit_type, unit_id, year, designation),
        static_details=static_details(exit_type),
        search_attributes=TypedSearchAttributes([
            SearchAttributePair(sa.EXIT_TYPE, exit_type),
            SearchAttributePair(sa.UNIT_ID, unit_id),
            SearchAttributePair(sa.EXIT_YEAR, year),
            SearchAttributePair(sa.CASE_STAGE, procedure.stages[0].id),
            SearchAttributePair(sa.CASE_STATUS, "open"),
            SearchAttributePair(sa.SIMULATION, simulation is not None),
        ]),
    )
    opened = await start_and_wait_opened(client, cid, start)
    if opened.status == "rejected":
        raise Refused(f"case {cid} was refused on opening: {opened.outcome_reason}", kind=await _refusal_kind(client, cid))
    return opened


async def _refusal_kind(client: Client, cid: str) -> str:
    """What the case named its refused opening: the type of the error its run failed with."""
    from temporalio.client import WorkflowFailureError
    from temporalio.exceptions import ApplicationError

    try:
        await asyncio.wait_for(client.get_workflow_handle(cid).result(), 5)
    except WorkflowFailureError as exc:
        if isinstance(exc.cause, ApplicationError) and exc.cause.type:
            return exc.cause.type
    except Exception:  # the reason is known already; the kind only refines it
        pass
    return "OpeningRefused"


async def start_and_wait_opened(
    client: Client, cid: str, start: WithStartWorkflowOperation, timeout: float = OPEN_WAIT_SECONDS
) -> CaseProgress:
    """Starts the case and, in the same request, asks it to answer once its worker has opened it (or
    refused the opening). A case whose worker cannot answer that way (one older than the `opened`
    update) is asked by polling instead."""
    try:
        opened = await call(cid, _opened(client, start, timeout))
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise Unreachable(f"case {cid} was started but no worker has opened it yet; is `tuopin worker` running?") from None
    return opened or await wait_until_ready(client.get_workflow_handle(cid), timeout)


async def _opened(client: Client, start: WithStartWorkflowOperation, timeout: float) -> CaseProgress | None:
    """None when the case was started but could not answer `opened` (its worker predates it)."""
    try:
        return await client.execute_update_with_start_workflow(
            OPENED_UPDATE, start_workflow_operation=start, result_type=CaseProgress, rpc_timeout=timedelta(seconds=timeout)
        )
    except WorkflowUpdateFailedError:
        return None
    except BaseException:
        await _settle(start)
        raise


async def _settle(start: WithStartWorkflowOperation) -> None:
    """The SDK keeps a failed start's error in a future of its own as well; reading it here keeps it
    from being reported as never retrieved when the future is collected."""
    with contextlib.suppress(BaseException):
        await asyncio.wait_for(start.workflow_handle(), 1)


async def wait_until_ready(handle: WorkflowHandle, timeout: float = OPEN_WAIT_SECONDS) -> CaseProgress:
    """Asks soon (a running worker opens a case in its first workflow task), then less and less often."""
    deadline = asyncio.get_running_loop().time() + timeout
    pause = 0.02
    while True:
        state = await query(handle, "progress", CaseProgress)
        if state.ready or state.status != "open":
            return state
        if asyncio.get_running_loop().time() > deadline:
            raise Unreachable(f"case {handle.id} was started but no worker has opened it yet; is `tuopin worker` running?")
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.5)


async def _update(client: Client, cid: str, name: str, arg: Any) -> CaseAck:
    handle = client.get_workflow_handle(cid)
    try:
        return await update(handle, name, arg, CaseAck)
    except Refused as refusal:
        if refusal.kind != "unknown_case":
            raise
        # the server says "not found" for a case that has finished too: tell the two apart
        state = await show(client, cid)
        raise Refused(
            f"case {cid} is closed ({state.status}"
            + (f": {state.outcome_reason}" if state.outcome_reason else "")
            + "); nothing more can be done",
            kind="CaseNotOpen",
        ) from None


def _normalized(exit_type: str | None, cmd: DecisionCommand) -> DecisionCommand:
    if cmd.record is None or cmd.signature is not None or exit_type is None:
        return cmd
    from domain.procedures import PROCEDURES
    from domain.records import normalize_record

    if exit_type not in PROCEDURES:
        return cmd
    procedure = PROCEDURES[exit_type]
    if cmd.stage not in procedure.stage_ids():
        return cmd
    record = normalize_record(procedure.stage(cmd.stage).record_kind(), cmd.record)
    return cmd.model_copy(update={"record": record})


async def decide(client: Client, settings: Settings, cid: str, cmd: DecisionCommand, key_file: Path | None = None) -> CaseAck:
    cmd = _normalized(exit_type_of(cid), cmd)
    if cmd.signature is None:
        cmd = load_signer(settings, cmd.official_id, key_file).sign(cid, cmd.stage, await _pass_of(client, cid), cmd)
    return await _update(client, cid, "decide", cmd)


async def consent(client: Client, settings: Settings, cid: str, cmd: ConsentCommand, key_file: Path | None = None) -> CaseAck:
    if cmd.signature is None:
        now = await progress(client, cid)
        cmd = load_signer(settings, cmd.official_id, key_file).sign(cid, now.stage, now.pass_id or "", cmd)
    return await _update(client, cid, "consent", cmd)


async def lodge_objection(client: Client, cid: str, name: str, contact: str, reason: str) -> CaseAck:
    """The objection goes to the case with the contact; the case stores the contact in the registry
    under a fresh reference (through its worker) and keeps only the reference."""
    return await _update(client, cid, "object", ObjectionCommand(name=name, reason=reason, contact=contact))


async def resolve(client: Client, settings: Settings, cid: str, cmd: ResolutionCommand, key_file: Path | None = None) -> CaseAck:
    if cmd.signature is None:
        now = await progress(client, cid)
        cmd = load_signer(settings, cmd.official_id, key_file).sign(cid, now.stage, now.pass_id or "", cmd)
    return await _update(client, cid, "resolve", cmd)


async def _pass_of(client: Client, cid: str) -> str:
    """The pass of the case's current stage: what a signature for it must name."""
    return (await progress(client, cid)).pass_id or ""


async def progress(client: Client, cid: str) -> CaseProgress:
    """Stage and status only: for polling."""
    if exit_type_of(cid) is None:
        raise Refused(f"{cid!r} is not a case id (e.g. household-exit/<household>/<year>)", kind="unknown_case")
    return await query(client.get_workflow_handle(cid), "progress", CaseProgress)


async def still_awaited_by(client: Client, cid: str) -> list[str]:
    """Who the case still needs now ("role@jurisdiction")."""
    return await call(cid, still_awaited(client, cid, QUERY_TIMEOUT))


async def show(client: Client, cid: str) -> CaseState:
    from domain.case import CaseState

    if exit_type_of(cid) is None:
        raise Refused(f"{cid!r} is not a case id (e.g. household-exit/<household>/<year>)", kind="unknown_case")
    return await query(client.get_workflow_handle(cid), "state", CaseState)


async def list_cases(
    client: Client, exit_type: str | None, township: str | None, stage: str | None, status: str | None, limit: int
) -> list[dict[str, Any]]:
    clauses = ["ExitType IS NOT NULL", NOT_FAILED]
    for key, value in ((sa.EXIT_TYPE, exit_type), (sa.TOWNSHIP, township), (sa.CASE_STAGE, stage), (sa.CASE_STATUS, status)):
        if value:
            clauses.append(f"{key.name} = '{value}'")
    rows: list[dict[str, Any]] = []
    async for execution in client.list_workflows(" AND ".join(clauses), limit=limit):
        attrs = execution.typed_search_attributes
        rows.append({
            "case_id": execution.id,
            "exit_type": attrs.get(sa.EXIT_TYPE),
            "unit_id": attrs.get(sa.UNIT_ID),
            "year": attrs.get(sa.EXIT_YEAR),
            "township": attrs.get(sa.TOWNSHIP),
            "stage": attrs.get(sa.CASE_STAGE),
            "status": attrs.get(sa.CASE_STATUS),
            "awaiting": list(attrs.get(sa.AWAITING) or []),
            "started_at": execution.start_time.isoformat() if execution.start_time else None,
        })
    return rows


async def inbox(client: Client, settings: Settings, official_id: str, key_file: Path | None = None) -> list[dict[str, Any]]:
    """Open cases (and lists: one row for a list's members at its stage) that still need this
    official's post, oldest wait first. The Awaiting search attribute
    names everyone a wait began with (domain/waits.py), so each case it finds is asked who it still needs."""
    post = load_signer(settings, official_id, key_file).official
    key = f"{post.role.value}@{post.jurisdiction_id}"
    now = datetime.now(timezone.utc)
    rows = []
    listed = [e async for e in client.list_workflows(f"CaseStatus = 'open' AND {sa.AWAITING.name} = '{key}' AND {NOT_FAILED}")]
    asking = asyncio.Semaphore(16)

    async def still_awaits(execution: WorkflowExecution) -> bool:
        if len(execution.typed_search_attributes.get(sa.AWAITING) or []) == 1:
            return True  # a wait for this post alone: had it signed, the case would have published the next
        async with asking:
            return key in await call(execution.id, still_awaited(client, execution.id, QUERY_TIMEOUT))

    needed = await asyncio.gather(*(still_awaits(e) for e in listed))
    for execution in (e for e, still in zip(listed, needed) if still):
        since = execution.typed_search_attributes.get(sa.AWAITING_SINCE)
        waited = now - since if since else None
        rows.append({
            "case_id": execution.id,
            "stage": execution.typed_search_attributes.get(sa.CASE_STAGE),
            "awaiting": key,
            "waiting_since": since.isoformat() if since else None,
            "waited": f"{waited.days}d {waited.seconds // 3600}h" if waited else None,
            "waited_seconds": int(waited.total_seconds()) if waited else None,
        })
    from starters.lists import fold_into_lists  # a list (名单) awaits whom its members at its stage await

    return await fold_into_lists(client, key, rows)
