"""Activities of the spot checks (强化监督问责): the registry's side (the year's exits, the check, the
findings, the referral of an adverse one to its township, the county's decision on it, reminders) and the trace of who signed each exit.

The trace is read from the exit case itself (its `state` query, as `tuopin trace` does), when the
check draws its sample: the sample freezes each exit's signers, so a finding later does not depend on
the case's history still being on the server, and the verifier can be chosen among those who did
not sign. A finding writes the signers into the registry with it.
"""

from datetime import datetime

import structlog
from pydantic import BaseModel, ConfigDict
from temporalio import activity
from temporalio.client import Client, WorkflowQueryFailedError, WorkflowQueryRejectedError
from temporalio.service import RPCError, RPCStatusCode

from activities.errors import refusals_are_final
from activities.registry import supervision as registry
from activities.registry.outbox import add_to_outbox
from activities.registry.store import RegistryStore
from domain.case import CaseState
from domain.spot_check import ExitedUnit, ExitTrace, signers_of

log = structlog.get_logger(__name__)


class ListExitsInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    county_id: str
    year: int


class ExitList(BaseModel):
    model_config = ConfigDict(frozen=True)

    units: list[ExitedUnit]


class ExitTracesInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_ids: list[str]


class ExitTraces(BaseModel):
    model_config = ConfigDict(frozen=True)

    traces: list[ExitTrace]


class RecordCheckInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    check_id: str
    county_id: str
    year: int
    percent: float
    seed: int
    initiator_id: str
    exits_total: int
    sample_size: int
    at: datetime


RecordFindingInput = registry.FindingWrite
RecordDecisionInput = registry.DecisionWrite


class FindingResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    registry_change: dict | None


class RemindInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    check_id: str
    recipients: list[str]
    waiting_since: datetime
    now: datetime


class RemindResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    queued: int


class CompleteCheckInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    check_id: str
    units_checked: int
    false_exits: int
    at: datetime


class SupervisionActivities:
    def __init__(self, client: Client, store: RegistryStore) -> None:
        self.client = client
        self.store = store

    @activity.defn
    def list_exits(self, inp: ListExitsInput) -> ExitList:
        return ExitList(units=registry.exits_of_year(self.store, inp.county_id, inp.year))

    @activity.defn
    async def exit_traces(self, inp: ExitTracesInput) -> ExitTraces:
        """Who signed each exit case, read from the case; a case the server no longer holds (past the
        namespace's retention) gives an unavailable trace, not a failure."""
        traces: list[ExitTrace] = []
        for n, case_id in enumerate(inp.case_ids):
            activity.heartbeat(n)
            traces.append(await self._trace(case_id))
        return ExitTraces(traces=traces)

    async def _trace(self, case_id: str) -> ExitTrace:
        if not case_id:
            return ExitTrace(case_id=case_id, available=False, note="the registry names no exit case")
        try:
            state = await self.client.get_workflow_handle(case_id).query("state", result_type=CaseState)
        except RPCError as exc:
            if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
                raise  # the server is away: retry
            return ExitTrace(case_id=case_id, available=False, note=f"the case cannot be read: {exc.message}")
        except (WorkflowQueryFailedError, WorkflowQueryRejectedError) as exc:
            return ExitTrace(case_id=case_id, available=False, note=f"the case cannot be read: {exc}")
        return ExitTrace(case_id=case_id, available=True, signers=signers_of(state))

    @activity.defn
    def record_check(self, inp: RecordCheckInput) -> None:
        registry.record_check(
            self.store, inp.check_id, inp.county_id, inp.year, inp.percent, inp.seed, inp.initiator_id,
            inp.exits_total, inp.sample_size, inp.at,
        )

    @activity.defn
    def record_finding(self, inp: RecordFindingInput) -> FindingResult:
        refusals_are_final(lambda: registry.record_finding(self.store, inp))
        activity.logger.info("spot_check_finding", extra={
            "check_id": inp.check_id, "unit_id": inp.unit_id, "verdict": inp.verdict, "referred": bool(inp.referred_to),
        })
        return FindingResult(registry_change=None)

    @activity.defn
    def record_decision(self, inp: RecordDecisionInput) -> FindingResult:
        """The county's decision on a referral: a reversal undoes the exit; a redo records the steps."""
        change = refusals_are_final(lambda: registry.record_decision(self.store, inp))
        activity.logger.info("spot_check_decision", extra={
            "check_id": inp.check_id, "unit_id": inp.unit_id, "ruling": inp.ruling, "reversed": bool(change.get("reversed")),
        })
        return FindingResult(registry_change=change)

    @activity.defn
    def remind_verifiers(self, inp: RemindInput) -> RemindResult:
        queued = 0
        for recipient in inp.recipients:
            if add_to_outbox(self.store, inp.check_id, "reminder", recipient, "finding", inp.waiting_since, inp.now):
                queued += 1
                log.info("reminder_queued", case_id=inp.check_id, kind="reminder", recipient=recipient, stage="finding")
        return RemindResult(queued=queued)

    @activity.defn
    def complete_check(self, inp: CompleteCheckInput) -> None:
        registry.complete_check(self.store, inp.check_id, inp.units_checked, inp.false_exits, inp.at)
