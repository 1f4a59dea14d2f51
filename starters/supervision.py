"""What the CLI does for supervision and dynamic management, as plain functions the tests call too:
start a spot check, record a finding, show a check; the signed registration of a newly poor
household's data (登记, before its enrolment case); the listings with the buffer period. Each signs with the official's key, as decisions do."""

import asyncio
import secrets
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from activities.registry import reentries
from activities.registry import supervision as registry
from activities.registry.store import RegistryStore
from domain.county import TIME_ZONE
from domain.officials import Official
from domain.reentry import REENTRY_PASS, STAGE, NewHousehold, ReentryCommand, ReentryRecord
from domain.signature_rules import Ledger, check_signed
from domain.signing import SignedMessage
from domain.spot_check import (
    CHECK_PASS,
    FINDING_STAGE,
    START_STAGE,
    FindingAck,
    FindingCommand,
    SpotCheckInput,
    SpotCheckState,
    check_id as make_check_id,
    check_initiator,
    check_sample_size,
    is_check_id,
    resolve_entry,
)
from domain.spot_check_referral import (
    DECISION_STAGE,
    REPORT_STAGE,
    DecisionOnReferral,
    ReferralAck,
    ReportCommand,
)
from starters.client import call, query, update
from starters.errors import BadUsage, Refused, Unreachable, registry_call
from starters.signer import sign_as, signing_now
from workers.policy_loader import PolicyConfigError, load_supervision_policy
from workers.settings import Settings
from workers.trust import TrustConfigError, read_root
from workflows.spot_check import SpotCheckWorkflow

DRAW_WAIT_SECONDS = 30.0




def valid(model: type, **fields: Any) -> Any:
    try:
        return model(**fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in exc.errors())
        raise BadUsage(problems) from None


def store_of(settings: Settings) -> RegistryStore:
    from starters.registry_access import existing_registry

    return existing_registry(settings)


def supervision_policy(settings: Settings) -> Any:
    try:
        return load_supervision_policy(settings.data_dir)
    except PolicyConfigError as exc:
        raise BadUsage(str(exc)) from None


def today_local() -> date:
    return datetime.now(TIME_ZONE).date()


def official_of(store: RegistryStore, official_id: str) -> Official:
    official = registry_call(lambda: store.official(official_id))
    if official is None:
        raise Refused(f"no active official {official_id!r} in the registry", kind="UnknownOfficial")
    return official


M = TypeVar("M", bound=SignedMessage)


def pinned_root(settings: Settings) -> str:
    """The administrator's root the registry-side checks trust (the trust folder's, as the workers')."""
    try:
        return read_root(settings.trust_dir)
    except TrustConfigError as exc:
        raise BadUsage(str(exc)) from None


def signed_as(settings: Settings, official: Official, key_file: Path | None, subject_id: str, stage: str, message: M) -> M:
    """The message signed with the official's key and certificate (starters.signer.sign_as); the
    checks and re-entries have one pass."""
    pass_id = REENTRY_PASS if stage == STAGE else CHECK_PASS
    return sign_as(settings, official.official_id, key_file, subject_id, stage, pass_id, message)


# -- spot checks ----------------------------------------------------------------------------------
async def start_check(
    client: Client, settings: Settings, year: int, percent: float, official_id: str, seed: int | None = None,
    county_id: str | None = None, remind_after_days: int | None = None, key_file: Path | None = None,
) -> SpotCheckState:
    """Checks the start against the registry as the workflow will, then starts the check and waits
    until it has drawn its sample. A refused start leaves no workflow behind."""
    store = store_of(settings)
    official = official_of(store, official_id)
    inp = valid(
        SpotCheckInput, county_id=county_id or official.jurisdiction_id, year=year, percent=percent,
        seed=secrets.randbelow(2**31) if seed is None else seed, initiator_id=official_id,
        remind_after_days=remind_after_days or supervision_policy(settings).spot_check_remind_after_days,
    )
    roster = registry_call(lambda: store.roster([inp.county_id]))
    registry_call(lambda: check_initiator(roster, inp))
    exits = registry_call(lambda: registry.exits_of_year(store, inp.county_id, inp.year))
    if not exits:
        raise Refused(f"no exits of {inp.year} are recorded in county {inp.county_id}: nothing to check", kind="NoExits")
    registry_call(lambda: check_sample_size(len(exits), inp.percent))
    cid = make_check_id(inp.county_id, inp.year, inp.seed)
    inp = signed_as(settings, official, key_file, cid, START_STAGE, inp)
    registry_call(lambda: check_signed(
        Ledger(subject_id=cid, trust_root=pinned_root(settings)), inp, stage=START_STAGE, pass_id=CHECK_PASS,
        official=official, now=signing_now(),
    ))
    handle = await call(cid, client.start_workflow(
        SpotCheckWorkflow.run, inp, id=cid, task_queue=settings.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE, id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        static_summary=f"督查抽查 · {inp.county_id} · {inp.year} · {inp.percent}% · seed {inp.seed}",
    ))
    deadline = asyncio.get_running_loop().time() + DRAW_WAIT_SECONDS
    while True:
        state = await query(handle, "state", SpotCheckState)
        if state.status != "drawing":
            return state
        if asyncio.get_running_loop().time() > deadline:
            raise Unreachable(f"check {cid} was started but has not drawn its sample; is `tuopin worker` running?")
        await asyncio.sleep(0.2)


async def show_check(client: Client, cid: str) -> SpotCheckState:
    if not is_check_id(cid):
        raise BadUsage(f"{cid!r} is not a spot-check id (spot-check/<county>/<year>/<seed>)")
    return await query(client.get_workflow_handle(cid), "state", SpotCheckState)


async def record_finding(
    client: Client, settings: Settings, cid: str, unit_id: str, verdict: str, official_id: str, note: str,
    unit_type: str | None = None, key_file: Path | None = None,
) -> FindingAck:
    """Signs the finding over the check, the unit and the verdict, and sends it to the check."""
    state = await show_check(client, cid)
    entry = registry_call(lambda: resolve_entry(state, unit_id, unit_type))
    official = official_of(store_of(settings), official_id)
    cmd = valid(FindingCommand, unit_id=unit_id, unit_type=entry.unit_type, verdict=verdict,
                official_id=official_id, note=note)
    return await send_finding(client, cid, signed_as(settings, official, key_file, cid, FINDING_STAGE, cmd))


async def send_finding(client: Client, cid: str, cmd: FindingCommand) -> FindingAck:
    return await update(client.get_workflow_handle(cid), "finding", cmd, FindingAck)


# -- 责成相关地方进行核查处理: the township's report, the county's decision ----------------------------------
async def report_referral(
    client: Client, settings: Settings, cid: str, unit_id: str, conclusion: str, official_id: str, meeting_ref: str,
    finding: str, steps: tuple[str, ...] = (), unit_type: str | None = None, key_file: Path | None = None,
) -> ReferralAck:
    """The township's report on a referred unit, signed by one of its leaders (both sign the same report)."""
    state = await show_check(client, cid)
    entry = registry_call(lambda: resolve_entry(state, unit_id, unit_type))
    official = official_of(store_of(settings), official_id)
    cmd = valid(ReportCommand, unit_id=unit_id, unit_type=entry.unit_type, conclusion=conclusion,
                official_id=official_id, meeting_ref=meeting_ref, finding=finding, steps=steps)
    return await send_referral(client, cid, "report", signed_as(settings, official, key_file, cid, REPORT_STAGE, cmd))


async def decide_referral(
    client: Client, settings: Settings, cid: str, unit_id: str, ruling: str, official_id: str, meeting_ref: str,
    note: str, steps: tuple[str, ...] = (), unit_type: str | None = None, key_file: Path | None = None,
) -> ReferralAck:
    """The county's decision on the township's report, signed by its party secretary or county head."""
    state = await show_check(client, cid)
    entry = registry_call(lambda: resolve_entry(state, unit_id, unit_type))
    official = official_of(store_of(settings), official_id)
    cmd = valid(DecisionOnReferral, unit_id=unit_id, unit_type=entry.unit_type, ruling=ruling,
                official_id=official_id, meeting_ref=meeting_ref, note=note, steps=steps)
    return await send_referral(client, cid, "decide", signed_as(settings, official, key_file, cid, DECISION_STAGE, cmd))


async def send_referral(client: Client, cid: str, name: str, cmd: ReportCommand | DecisionOnReferral) -> ReferralAck:
    return await update(client.get_workflow_handle(cid), name, cmd, ReferralAck)


# -- 登记 of a newly poor household (its enrolment is a case: starters/case_commands.py) ----------
def _evidence_digest(path: Path) -> str:
    try:
        return reentries.file_sha256(path.read_bytes())
    except OSError as exc:
        raise BadUsage(f"cannot read the evidence file {path}: {exc.strerror or exc}") from None


def register(
    settings: Settings, household_id: str, new: NewHousehold, reason: str, evidence_file: Path, official_id: str,
    key_file: Path | None = None,
) -> ReentryRecord:
    """登记: the village two committees register a newly poor household's data as a candidate (not
    poor: `tuopin open enrollment HOUSEHOLD --reason newly-poor` runs its enrolment)."""
    if not reason.strip():
        raise BadUsage("--reason must say why the household is poor")
    try:
        new.guarantees()
    except ValueError as exc:
        raise BadUsage(str(exc)) from None
    store = store_of(settings)
    digest = _evidence_digest(evidence_file)
    official = official_of(store, official_id)
    cmd = ReentryCommand(household_id=household_id, kind="new", reason=reason, evidence_sha256=digest, household=new,
                         official_id=official_id)
    signature = signed_as(settings, official, key_file, cmd.subject_id, STAGE, cmd).signature
    return registry_call(lambda: reentries.register_candidate(
        store, household_id, new, reason, digest, official_id, signature, datetime.now(timezone.utc),
        trust_root=pinned_root(settings),
    ))
