"""Drives one household case through the workflow as the officials would (no CLI in between)."""

from datetime import date, timedelta
from pathlib import Path

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from activities.registry.store import RegistryStore
from domain.case import CaseState
from domain.messages import CaseAck, ConsentCommand, DecisionCommand, PostingCommand, ResolutionCommand
from starters import cases
from starters.signer import SIGNING_TIME
from tests.support.small_registry import COUNTY, TOWNSHIP, VILLAGE, trust_dir
from workers.settings import Settings

VS, VD, WT = f"{VILLAGE}-secretary", f"{VILLAGE}-director", f"{VILLAGE}-workteam"
TS, TH = f"{TOWNSHIP}-secretary", f"{TOWNSHIP}-head"
CG, CS, CH = f"{COUNTY}-group", f"{COUNTY}-secretary", f"{COUNTY}-head"


def appraisal(official: str = VS, held_on: date = date(2017, 1, 5), meeting: str = "长校河排村民主评议〔2017〕1号") -> DecisionCommand:
    return DecisionCommand(
        stage="appraisal", outcome="approve", official_id=official, meeting_ref=meeting,
        record={"held_on": held_on.isoformat(), "attendance": 35, "result": "一致同意拟退出"},
    )


def enrollment_appraisal(reason: str, official: str = VS, held_on: date = date(2018, 3, 1),
                         meeting: str = "长校河排村民主评议〔2018〕4号") -> DecisionCommand:
    """The 民主评议 that opens an enrolment (domain/enrollment.py): the meeting and why (newly-poor / returned)."""
    return DecisionCommand(
        stage="appraisal", outcome="approve", official_id=official, meeting_ref=meeting,
        record={"held_on": held_on.isoformat(), "attendance": 31, "result": "一致同意拟纳入", "reason": reason},
    )


class CaseDriver:
    def __init__(self, env: WorkflowEnvironment, store: RegistryStore, task_queue: str, keys_dir: Path) -> None:
        self.env = env
        self.client: Client = env.client
        self.store = store
        self.settings = Settings(registry_url=str(store.engine.url), task_queue=task_queue, keys_dir=keys_dir,
                                 trust=trust_dir(keys_dir))
        self.case_id = ""
        self.opened: list[str] = []  # every case this driver opened (a driver of its own ends them: end_cases)

    async def end_cases(self) -> None:
        """Terminates the cases this driver opened that still run: a test's own worker goes with the test,
        and a case left waiting on a timer would hold the shared time-skipping server's clock for a
        worker that never comes (another test's `env.sleep` then times out)."""
        from temporalio.client import WorkflowExecutionStatus

        for cid in self.opened:
            handle = self.client.get_workflow_handle(cid)
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate("the test that opened it is over")

    def working_year(self, year: int) -> None:
        """The key administrator moves the registry's working year forward to `year` (signed acts)."""
        from tests.support.working_year import move_to

        move_to(self.store, self.settings.trust_dir, year)

    async def signing_at_server_time(self) -> None:
        """Signatures made from here on say the test server's time (it skips ahead through notices)."""
        SIGNING_TIME.set(await self.env.get_current_time())

    async def open(self, household: str, year: int = 2017, first: DecisionCommand | None = None) -> CaseState:
        await self.signing_at_server_time()
        opened = await cases.open_case(self.client, self.settings, "household", household, year, first or appraisal())
        self.case_id = opened.case_id
        self.opened.append(opened.case_id)
        return await self.state()

    async def open_unit(
        self, exit_type: str, unit: str, year: int, first: DecisionCommand, designation: str | None = None,
        countersign: bool = True,
    ) -> CaseState:
        """Opens the case; a village's survey is then countersigned by the other township leader
        (四.3 党政主要领导签字确认) unless `countersign` is False."""
        await self.signing_at_server_time()
        opened = await cases.open_case(self.client, self.settings, exit_type, unit, year, first, designation)
        self.case_id = opened.case_id
        self.opened.append(opened.case_id)
        if exit_type == "village" and countersign:
            await self.countersign_survey(first)
            await self.post_notice()
        return await self.state()

    async def countersign_survey(self, first: DecisionCommand) -> CaseAck:
        """The township leader who did not record the survey signs it, on the same meeting."""
        other = TH if first.official_id == TS else TS
        ack = await self.decide("survey", other, meeting_ref=first.meeting_ref)
        await self.until(lambda s: s.stage != "survey")
        return ack

    async def state(self) -> CaseState:
        return await cases.show(self.client, self.case_id)

    async def decide(self, stage: str, official: str, outcome: str = "approve", **kw: object) -> CaseAck:
        await self.signing_at_server_time()
        return await cases.decide(self.client, self.settings, self.case_id, DecisionCommand(stage=stage, outcome=outcome, official_id=official, **kw))

    async def consent(self, official: str, refuse: bool = False, note: str | None = None) -> CaseAck:
        await self.signing_at_server_time()
        cmd = ConsentCommand(official_id=official, refuse=refuse, note=note)
        return await cases.consent(self.client, self.settings, self.case_id, cmd)

    async def object(self, name: str = "村民甲", reason: str = "收入情况与实际不符", contact: str = "13800000000") -> CaseAck:
        return await cases.lodge_objection(self.client, self.case_id, name, contact, reason)

    async def resolve(self, objection: str, outcome: str, official: str = VS, finding: str = "经入户核实") -> CaseAck:
        await self.signing_at_server_time()
        return await cases.resolve(
            self.client, self.settings, self.case_id, ResolutionCommand(objection_id=objection, outcome=outcome, official_id=official, finding=finding)
        )

    async def raw_update(self, name: str, arg: object) -> CaseAck:
        return await self.client.get_workflow_handle(self.case_id).execute_update(name, arg, result_type=CaseAck)

    async def until(self, predicate, tries: int = 100) -> CaseState:
        """The workflow moves on after an update returns; poll its state (no time passes)."""
        import asyncio

        for _ in range(tries):
            state = await self.state()
            if predicate(state):
                return state
            await asyncio.sleep(0.05)
        raise AssertionError(f"condition never held; last state: stage={state.stage} status={state.status}")

    # -- whole stages --------------------------------------------------------------------------
    async def verify(self, household: str) -> CaseState:
        await self.decide("verification", VD)
        await self.decide("verification", WT)
        await self.consent(f"{household}-head")
        await self.post_notice()
        return await self.until(lambda s: s.stage == "notice" and s.current_notice() is not None)

    async def post_notice(self, place: str = "村委会公示栏") -> list[CaseAck]:
        """Each place's official records the notice's posting, now (when it awaits one)."""
        from domain.notice_posting import POSTING_ROLES, notice_issued, unposted
        from domain.procedures import PROCEDURES
        from starters.notice_commands import record_posting

        state = await self.until(lambda s: s.stage != "notice" or s.current_notice() is not None or notice_issued(s))
        if state.stage != "notice" or state.current_notice() is not None:
            return []
        acks = []
        for level, where in unposted(state, PROCEDURES[state.exit_type].stage("notice")):
            official = self.store_poster(POSTING_ROLES[level][0].value, where)
            await self.signing_at_server_time()
            at = await self.env.get_current_time()
            acks.append(await record_posting(self.client, self.settings, self.case_id,
                                             PostingCommand(official_id=official, posted_at=at, place=place)))
        return acks

    def store_poster(self, role: str, jurisdiction: str) -> str:
        """The registry's official of that role there (as the fixture's registry names them)."""
        suffix = {"village_secretary": "secretary", "township_secretary": "secretary", "city_group": "group",
                  "county_group": "group"}[role]
        return f"{jurisdiction}-{suffix}"

    async def pass_notice(self, next_stage: str = "township_review") -> CaseState:
        await self.post_notice()
        await self.env.sleep(timedelta(days=8))
        return await self.until(lambda s: s.stage == next_stage)

    async def township(self, meeting: str = "长校镇党委会议纪要〔2017〕9号") -> CaseState:
        await self.decide("township_review", TS, meeting_ref=meeting)
        await self.decide("township_review", TH, meeting_ref=meeting)
        return await self.until(lambda s: s.stage == "county_approval")

    async def county(self) -> CaseState:
        await self.decide("county_approval", CG, meeting_ref="县扶贫领导小组会议〔2017〕3号")
        await self.decide("county_approval", CS, meeting_ref="县委常委会〔2017〕12号")
        await self.decide("county_approval", CH, meeting_ref="县委常委会〔2017〕12号")
        return await self.until(lambda s: s.status != "open")


async def refused(coro) -> str:
    """Awaits a call that must be refused; returns the refusal's type name and message."""
    from starters.errors import CliError

    try:
        await coro
    except CliError as exc:
        return f"{exc.kind}: {exc.format_message()}"
    except WorkflowUpdateFailedError as exc:
        return f"{getattr(exc.cause, 'type', '')}: {exc.cause}"
    raise AssertionError("the call was accepted but should have been refused")
