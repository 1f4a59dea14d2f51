"""What the CLI does to cases, as plain async functions the tests can call too (main(client=...))."""

import asyncio
import contextlib
import functools
import time
import uuid
from pathlib import Path
from datetime import datetime, timedelta, timezone
from typing import Any

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecution,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from activities.case_loading import load_case_facts
from activities.case_queries import still_awaited
from activities.registry.keys import signers_of
from activities.registry.store import RegistryStore
from domain.case import CaseProgress, CaseState
from domain.case_ids import case_id as make_case_id
from domain.case_ids import exit_type_of
from domain.case_summary import static_details, static_summary
from domain.criteria.evaluate import evaluate_case
from domain.messages import (
    CaseAck,
    ConsentCommand,
    DecisionCommand,
    ObjectionCommand,
    OpenCaseInput,
    ResolutionCommand,
)
from domain.officials import Official
from domain.procedures import PROCEDURES
from domain.records import normalize_record
from domain.signing import OPENING_PASS
from domain.simulation import Simulation
from domain.signoff_rules import check_decision, enter_stage
from starters.client import QUERY_TIMEOUT, call, query
from starters.errors import Refused, Unreachable, registry_call
from starters.signer import sign_as
from workers.policy_loader import load_policy
from workers.settings import Settings
from workflows import search_attributes as sa
from workflows.registry import WORKFLOW_BY_EXIT_TYPE

OPEN_WAIT_SECONDS = 20.0
OPENED_UPDATE = "opened"  # ExitCase.opened


def _registry(settings: Settings) -> RegistryStore:
    return registry_call(lambda: _store_for(settings.registry))


@functools.lru_cache(maxsize=8)
def _store_for(url: str) -> RegistryStore:
    """One engine per registry URL for the life of the process: a service driving many cases through
    these functions keeps its connections and its compiled statements."""
    return RegistryStore.from_url(url)


async def open_case(
    client: Client, settings: Settings, exit_type: str, unit_id: str, year: int, first: DecisionCommand,
    designation: str | None = None, key_file: Path | None = None, simulation: Simulation | None = None,
) -> CaseProgress:
    """Checks the opening against the registry exactly as the workflow will, then starts the case.

    A refused opening leaves nothing behind: no workflow, no registry row.
    """
    first = _normalized(exit_type, first)
    inp = OpenCaseInput(
        exit_type=exit_type, unit_id=unit_id, year=year, first_decision=first, designation=designation, simulation=simulation
    )
    store = _registry(settings)
    policy = load_policy(settings.data_dir)
    facts, path = registry_call(lambda: load_case_facts(store, exit_type, unit_id, year, designation))
    report = evaluate_case(exit_type, facts, year, policy)
    if not report.met:
        raise Refused(
            f"{exit_type} {unit_id} does not meet the exit criteria for {year}: " + "; ".join(report.failures()),
            kind="CriteriaNotMet",
        )
    roster, _ = registry_call(lambda: signers_of(store, path.jurisdiction_ids()))
    procedure = PROCEDURES[exit_type]
    cid = make_case_id(exit_type, unit_id, year, designation)  # type: ignore[arg-type]
    trial = CaseState(
        case_id=cid, exit_type=exit_type, unit_id=unit_id, year=year, designation=designation,
        stage=procedure.stages[0].id, opened_by=first.official_id, opened_at=datetime.now(timezone.utc),
        unit_path=path, facts=facts, notice_rule=policy.notice, ready=True,
    )
    enter_stage(trial, procedure.stages[0].id, OPENING_PASS)
    now = datetime.now(timezone.utc)
    registry_call(lambda: check_decision(trial, procedure, roster, first, now))
    if first.signature is None:
        first = sign_as(settings, first.official_id, key_file, cid, first.stage, OPENING_PASS, first)
        inp = inp.model_copy(update={"first_decision": first})
    start = WithStartWorkflowOperation(
        WORKFLOW_BY_EXIT_TYPE[exit_type].run,
        inp,
        id=cid,
        task_queue=settings.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        static_summary=static_summary(exit_type, unit_id, year, designation),
        static_details=static_details(exit_type),
        search_attributes=TypedSearchAttributes([
            SearchAttributePair(sa.EXIT_TYPE, exit_type),
            SearchAttributePair(sa.UNIT_ID, unit_id),
            SearchAttributePair(sa.EXIT_YEAR, year),
            SearchAttributePair(sa.TOWNSHIP, path.township_id or ""),
            SearchAttributePair(sa.CASE_STAGE, procedure.stages[0].id),
            SearchAttributePair(sa.CASE_STATUS, "open"),
            SearchAttributePair(sa.SIMULATION, simulation is not None),
        ]),
    )
    return await start_and_wait_opened(client, cid, start)


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
        return await call(cid, handle.execute_update(name, arg, result_type=CaseAck))
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


# A process that signs many messages (a service, the bench) looks an official's post up once a
# while, not per message. Safe: the post is only what the client signs with; the case checks it
# against the officials it read from the registry and refuses a stale one.
OFFICIAL_CACHE_SECONDS = 30.0
_officials: dict[tuple[str, str], tuple[float, Official]] = {}


def _official(store: RegistryStore, official_id: str) -> Official:
    key, now = (str(store.engine.url), official_id), time.monotonic()
    cached = _officials.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    official = registry_call(lambda: store.official(official_id))
    if official is None:
        raise Refused(f"no active official {official_id!r} in the registry", kind="UnknownOfficial")
    _officials[key] = (now + OFFICIAL_CACHE_SECONDS, official)
    return official


def _normalized(exit_type: str | None, cmd: DecisionCommand) -> DecisionCommand:
    if cmd.record is None or cmd.signature is not None or exit_type not in PROCEDURES:
        return cmd
    procedure = PROCEDURES[exit_type]
    if cmd.stage not in procedure.stage_ids():
        return cmd
    record = normalize_record(procedure.stage(cmd.stage).record_kind(), cmd.record)
    return cmd.model_copy(update={"record": record})


async def decide(client: Client, settings: Settings, cid: str, cmd: DecisionCommand, key_file: Path | None = None) -> CaseAck:
    cmd = _normalized(exit_type_of(cid), cmd)
    if cmd.signature is None:
        cmd = sign_as(settings, cmd.official_id, key_file, cid, cmd.stage, (await progress(client, cid)).pass_id or "", cmd)
    return await _update(client, cid, "decide", cmd)


async def consent(client: Client, settings: Settings, cid: str, cmd: ConsentCommand, key_file: Path | None = None) -> CaseAck:
    if cmd.signature is None:
        now = await progress(client, cid)
        cmd = sign_as(settings, cmd.official_id, key_file, cid, now.stage, now.pass_id or "", cmd)
    return await _update(client, cid, "consent", cmd)


async def lodge_objection(client: Client, settings: Settings, cid: str, name: str, contact: str, reason: str) -> CaseAck:
    """The contact goes to the registry under a fresh reference; the case sees only the reference.

    The contact is stored first: with the registry down nothing is lodged, and a refused objection
    takes its contact row away again."""
    ref = uuid.uuid4().hex
    cmd = ObjectionCommand(name=name, reason=reason, contact_ref=ref)
    store = _registry(settings)
    registry_call(lambda: store.store_objection_contact(ref, cid, contact, datetime.now(timezone.utc)))
    try:
        return await _update(client, cid, "object", cmd)
    except (Refused, Unreachable):
        registry_call(lambda: store.forget_objection_contact(ref))
        raise


async def resolve(client: Client, settings: Settings, cid: str, cmd: ResolutionCommand, key_file: Path | None = None) -> CaseAck:
    if cmd.signature is None:
        now = await progress(client, cid)
        cmd = sign_as(settings, cmd.official_id, key_file, cid, now.stage, now.pass_id or "", cmd)
    return await _update(client, cid, "resolve", cmd)


async def progress(client: Client, cid: str) -> CaseProgress:
    """Stage and status only: for polling."""
    if exit_type_of(cid) is None:
        raise Refused(f"{cid!r} is not a case id (e.g. household-exit/<household>/<year>)", kind="unknown_case")
    return await query(client.get_workflow_handle(cid), "progress", CaseProgress)


async def show(client: Client, cid: str) -> CaseState:
    if exit_type_of(cid) is None:
        raise Refused(f"{cid!r} is not a case id (e.g. household-exit/<household>/<year>)", kind="unknown_case")
    return await query(client.get_workflow_handle(cid), "state", CaseState)


async def list_cases(
    client: Client, exit_type: str | None, township: str | None, stage: str | None, status: str | None, limit: int
) -> list[dict[str, Any]]:
    clauses = ["ExitType IS NOT NULL"]
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


async def inbox(client: Client, settings: Settings, official_id: str) -> list[dict[str, Any]]:
    """Open cases that still need this official's post, oldest wait first. The Awaiting search attribute
    names everyone a wait began with (domain/waits.py), so each case it finds is asked who it still needs."""
    post = _official(_registry(settings), official_id)
    key = f"{post.role.value}@{post.jurisdiction_id}"
    now = datetime.now(timezone.utc)
    rows = []
    listed = [e async for e in client.list_workflows(f"CaseStatus = 'open' AND {sa.AWAITING.name} = '{key}'")]
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
    return sorted(rows, key=lambda r: r["waiting_since"] or "")
