"""Drive household cases end to end, N at a time, timing every client call: tuopin through its own
client helpers (starters.cases: open, signed decide/consent, show), the bare workflow through plain
SDK calls. Both wait out the notice the same way: sleep the window and one poll interval, then ask
for the stage (a question sent the moment the notice's timer fires reaches the case while the
workflow task that closes the notice runs, and costs the case one more task: a cost of the driver,
not of the procedure)."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date


from temporalio.client import Client, WorkflowHandle

from bench import registry as reg
from bench.bare_workflow import BareDecision, BareHouseholdWorkflow, BareInput
from domain.messages import ConsentCommand, DecisionCommand
from domain.simulation import Simulation
from starters import cases
from workers.settings import Settings

TOWNSHIP_MEETING = "基准镇党委会议〔2017〕9号"
COUNTY_GROUP_MEETING = "县扶贫领导小组会议〔2017〕3号"
COUNTY_MEETING = "县委常委会〔2017〕12号"
POLL_SECONDS = 0.25

# Every query the drivers send (tuopin's client helpers poll `state` while a case opens and `show`
# before a consent): counted, since each one is a round trip through the server to the worker.
QUERIES = {"count": 0}
_query = WorkflowHandle.query


async def _counted_query(self, *args, **kwargs):
    QUERIES["count"] += 1
    return await _query(self, *args, **kwargs)


WorkflowHandle.query = _counted_query  # type: ignore[method-assign]


@dataclass
class Timings:
    decisions: list[float] = field(default_factory=list)  # seconds, client call to accepted
    opens: list[float] = field(default_factory=list)
    case_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def timed(into: list[float], call: Awaitable):
    t0 = time.perf_counter()
    result = await call
    into.append(time.perf_counter() - t0)
    return result


async def wait_for(probe: Callable[[], Awaitable[str]], want: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while (got := await probe()) != want:
        if time.monotonic() > deadline:
            raise TimeoutError(f"still {got!r}, wanted {want!r}")
        await asyncio.sleep(POLL_SECONDS)


def appraisal() -> DecisionCommand:
    return DecisionCommand(
        stage="appraisal", outcome="approve", official_id=reg.VS, meeting_ref="基准村民主评议〔2017〕1号",
        record={"held_on": date(2017, 3, 1).isoformat(), "attendance": 40, "result": "一致同意拟退出"},
    )


@dataclass
class TuopinDriver:
    client: Client
    settings: Settings  # the bench registry, the simulation task queue, the bench keys
    notice_seconds: int

    async def open(self, household: str, t: Timings, notice_seconds: int | None = None) -> str:
        sim = Simulation(notice_seconds=notice_seconds or self.notice_seconds)
        state = await timed(t.opens, cases.open_case(self.client, self.settings, "household", household, reg.YEAR,
                                                     appraisal(), simulation=sim))
        if state.status != "open":
            raise RuntimeError(f"{state.case_id} {state.status}: {state.outcome_reason}")
        return state.case_id

    async def decide(self, cid: str, stage: str, official: str, t: Timings, meeting: str | None = None) -> None:
        cmd = DecisionCommand(stage=stage, outcome="approve", official_id=official, meeting_ref=meeting)
        await timed(t.decisions, cases.decide(self.client, self.settings, cid, cmd))

    async def consent(self, cid: str, household: str, t: Timings) -> None:
        await timed(t.decisions, cases.consent(self.client, self.settings, cid, ConsentCommand(official_id=f"{household}-head")))

    async def stage(self, cid: str) -> str:
        return (await cases.progress(self.client, cid)).stage

    async def to_notice(self, household: str, t: Timings, notice_seconds: int | None = None) -> str:
        cid = await self.open(household, t, notice_seconds)
        await self.decide(cid, "verification", reg.VD, t)
        await self.decide(cid, "verification", reg.WT, t)
        await self.consent(cid, household, t)
        return cid

    async def case(self, household: str, t: Timings) -> None:
        cid = await self.to_notice(household, t)
        await asyncio.sleep(self.notice_seconds + POLL_SECONDS)
        await self.finish(cid, t)

    async def finish(self, cid: str, t: Timings) -> None:
        """From the close of the notice to 销号."""
        await wait_for(lambda: self.stage(cid), "township_review")
        await self.decide(cid, "township_review", reg.TS, t, TOWNSHIP_MEETING)
        await self.decide(cid, "township_review", reg.TH, t, TOWNSHIP_MEETING)
        await self.decide(cid, "county_approval", reg.CG, t, COUNTY_GROUP_MEETING)
        await self.decide(cid, "county_approval", reg.CS, t, COUNTY_MEETING)
        await self.decide(cid, "county_approval", reg.CH, t, COUNTY_MEETING)
        outcome = await self.client.get_workflow_handle(cid).result()
        if outcome.get("status") != "exited":
            raise RuntimeError(f"{cid} ended {outcome}")
        t.case_ids.append(cid)


@dataclass
class BareDriver:
    client: Client
    task_queue: str
    notice_seconds: int
    local: bool = True  # registry steps as local activities, as tuopin runs them (`--bare-activities`: regular ones)

    async def decide(self, cid: str, stage: str, official: str, t: Timings, meeting: str | None = None) -> None:
        handle = self.client.get_workflow_handle(cid)
        await timed(t.decisions, handle.execute_update(BareHouseholdWorkflow.decide,
                                                       BareDecision(stage, official, meeting_ref=meeting)))

    async def stage(self, cid: str) -> str:
        return await self.client.get_workflow_handle(cid).query(BareHouseholdWorkflow.current_stage)

    async def case(self, household: str, t: Timings) -> None:
        cid = f"bare-household-exit/{household}/{reg.YEAR}"
        first = BareDecision("appraisal", reg.VS, meeting_ref="基准村民主评议〔2017〕1号")
        handle = await timed(t.opens, self.client.start_workflow(
            BareHouseholdWorkflow.run, BareInput(cid, self.notice_seconds, first, self.local), id=cid, task_queue=self.task_queue,
        ))
        await self.decide(cid, "verification", reg.VD, t)
        await self.decide(cid, "verification", reg.WT, t)
        await self.decide(cid, "verification", f"{household}-head", t)
        await asyncio.sleep(self.notice_seconds + POLL_SECONDS)
        await wait_for(lambda: self.stage(cid), "township_review")
        await self.decide(cid, "township_review", reg.TS, t, TOWNSHIP_MEETING)
        await self.decide(cid, "township_review", reg.TH, t, TOWNSHIP_MEETING)
        await self.decide(cid, "county_approval", reg.CG, t, COUNTY_GROUP_MEETING)
        await self.decide(cid, "county_approval", reg.CS, t, COUNTY_MEETING)
        await self.decide(cid, "county_approval", reg.CH, t, COUNTY_MEETING)
        if await handle.result() != "exited":
            raise RuntimeError(f"{cid} did not exit")
        t.case_ids.append(cid)


async def run_cases(case: Callable[[str, Timings], Awaitable[None]], households: list[str], concurrency: int) -> tuple[Timings, float]:
    """All households through `case`, at most `concurrency` in flight; returns the timings and the wall time."""
    t = Timings()
    gate = asyncio.Semaphore(concurrency)

    async def one(household: str) -> None:
        async with gate:
            try:
                await case(household, t)
            except Exception as exc:  # counted and reported; a benchmark with errors says so
                t.errors.append(f"{household}: {type(exc).__name__}: {exc}")

    t0 = time.perf_counter()
    await asyncio.gather(*(one(h) for h in households))
    return t, time.perf_counter() - t0
