"""The procedure every exit shares: freeze the facts and test the criteria, then walk the stage
table (domain/procedures.py) in order: sign-offs, the public notice with its objections, returns
and rejections; finally 公告, 备案 and the registry change. Each exit workflow subclasses ExitCase
and says only which procedure it runs and what follows approval.

The messages a case hears are in workflows/case_handlers.py, what it shows operators in
workflows/case_publisher.py, the officials it may hear from in workflows/stage_officials.py.
"""

import asyncio
from collections.abc import Callable
from typing import NoReturn
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.models import AnnounceInput, CloseNoticeInput, IssueNoticeInput, LoadCaseInput, MarkExitedInput, PostNoticeInput, RecordExitInput
    from activities.notice_activities import NoticeActivities
    from activities.registry_activities import RegistryActivities
    from domain.case import Announcement, CaseResume, CaseState
    from domain.case_ids import case_id
    from domain.criteria.evaluate import evaluate_case
    from domain.messages import CaseOutcome, OpenCaseInput
    from domain.notice_posting import notice_issued, posted_from, unposted
    from domain.notice_rules import close_window, open_window
    from domain.notice_text import announcement_body, notice_body
    from domain.procedures import Procedure, Stage
    from domain.refusals import Refusal
    from domain.roles import Level
    from domain.signing import OPENING_PASS
    from domain.signoff_rules import apply_decision, enter_stage, reject, stage_complete
    from domain.units import UnitPath
    from workflows.case_handlers import CaseHandlers
    from domain.waits import wait_of
    from workflows.case_publisher import CasePublisher
    from workflows.dossier_anchors import anchor_dossier
    from workflows.registry_steps import is_refusal, registry_step
    from workflows.stage_officials import StageOfficials


class ExitCase(CaseHandlers):
    procedure: Procedure
    # A run whose history grows past this many events (a long dispute, a flood of objections, returns
    # without end) continues as new at its next wait, carrying the whole case: Temporal stops a run
    # at 51,200 events or 2,000 updates, and each accepted update writes at least two events.
    CONTINUE_AFTER_EVENTS = 3000

    @workflow.init
    def __init__(self, inp: OpenCaseInput) -> None:
        self.case = CaseState(
            case_id=workflow.info().workflow_id,
            exit_type=inp.exit_type,
            unit_id=inp.unit_id,
            year=inp.year,
            designation=inp.designation,
            stage=self.procedure.stages[0].id,
            opened_by=inp.first_decision.official_id,
            opened_at=workflow.now(),
        )
        self.officials = StageOfficials(self.case)
        self.publisher = CasePublisher()
        self.moves_on: Callable[[], bool] | None = None
        self.resting = False
        self.opened_asks = 0
        self.opening = inp  # what started the case, carried into a run that continues it
        self.runs = 1

    async def decide_case(self, inp: OpenCaseInput) -> bool:
        """Freezes the facts, checks the criteria and walks every stage; True when the case is approved."""
        if inp.resume is not None:
            return await self._resume(inp.resume)
        await self.refuse_another_type(inp)
        try:
            data = await registry_step(
                RegistryActivities.load_case,
                LoadCaseInput(exit_type=inp.exit_type, unit_id=inp.unit_id, year=inp.year, designation=inp.designation),
            )
        except FailureError as err:  # the registry refused (no such unit): the opening is refused
            if not is_refusal(err):
                raise
            cause = err.cause if isinstance(err, ActivityError) and err.cause is not None else err
            await self.refuse_opening(getattr(cause, "type", None) or "OpeningRefused", cause.message)
        self.officials.accept(data.signers)
        # 实事求是: the case is decided on the data it was opened with, frozen here.
        self.case.facts = data.facts
        self.case.unit_path = data.unit_path
        self.case.notice_rule = data.policy.notice
        self.case.simulation = inp.simulation
        self.case.criteria = evaluate_case(inp.exit_type, data.facts, inp.year, data.policy)
        if inp.simulation is not None and not data.simulation_worker:
            await self.refuse_opening(
                "SimulationRefused", "a simulated case (shortened notice) is refused by a production worker"
            )
        if not self.case.criteria.met:
            await self.refuse_opening("CriteriaNotMet", "exit criteria not met: " + "; ".join(self.case.criteria.failures()))
        await self.open_case(inp)
        await self.run_procedure()
        return self.case.status == "open"

    async def refuse_another_type(self, inp: OpenCaseInput) -> None:
        """A workflow runs its own procedure only (an enrolment started as an exit, or the reverse, is
        refused), and under its own case id only: an opening signature binds the case id, not the unit,
        so a workflow started by hand under another unit's id would take that id's genuine opening as
        this unit's, and give this unit a second case for the year; the registry's writes name the id."""
        if inp.exit_type != self.procedure.exit_type:
            await self.refuse_opening(
                "OpeningRefused", f"this workflow runs {self.procedure.exit_type} cases, not {inp.exit_type!r} ones"
            )
        own = case_id(inp.exit_type, inp.unit_id, inp.year, inp.designation)  # type: ignore[arg-type]
        if self.case.case_id != own:
            await self.refuse_opening(
                "OpeningRefused", f"the {inp.exit_type} case of {inp.unit_id} for {inp.year} runs as {own}, not {self.case.case_id}"
            )

    async def open_case(self, inp: OpenCaseInput) -> None:
        """Applies the opener's first-stage record; the opening is refused if it does not hold."""
        enter_stage(self.case, self.procedure.stages[0].id, OPENING_PASS)
        self.case.ready = True
        first = inp.first_decision
        try:
            self.verify_signature(first, first.stage, first.official_id)
            apply_decision(self.case, self.procedure, self.officials.roster, first, workflow.now())
        except Refusal as exc:
            await self.refuse_opening(type(exc).__name__, f"the opening record was refused: {exc}")
        except ApplicationError as exc:
            await self.refuse_opening(exc.type or "OpeningRefused", f"the opening record was refused: {exc}")

    async def refuse_opening(self, kind: str, reason: str) -> NoReturn:
        """A refused opening fails the run (a non-retryable error naming the refusal): the case id,
        started with ALLOW_DUPLICATE_FAILED_ONLY, stays free for a corrected opening, while a case
        rejected after its opening completes as rejected and holds its unit and year. The `opened`
        update answers first, so `tuopin open` reports the reason."""
        reject(self.case, reason, workflow.now())
        self.case.ready = True
        self.finish("rejected")
        await workflow.wait_condition(workflow.all_handlers_finished)
        raise ApplicationError(reason, type=kind, non_retryable=True)

    async def _resume(self, resume: dict) -> bool:
        """Goes on where the run before this one stopped, at the same wait of the same stage."""
        if workflow.info().continued_run_id is None:  # a client cannot hand a case its state
            await self.refuse_opening("ResumeRefused", "a case's state is carried only from its own previous run")
        carried = CaseResume.model_validate(resume)
        self.case, self.runs = carried.case, carried.runs + 1
        self.case.objector_digests = list(carried.objector_digests)
        self.officials = StageOfficials(self.case)
        self.officials.roster, self.officials.digest = carried.roster, carried.roster_digest
        self.officials.read_at = workflow.now()
        # the wait goes on: who it awaited since when stays as published
        self.publisher.wait, self.publisher.wait_awaits = wait_of(self.case, self.procedure), list(self.case.awaiting)
        self.resting = True
        workflow.logger.info("case_continued", extra={"runs": self.runs, "stage": self.case.stage})
        await self.run_procedure(start=self.procedure.index(self.case.stage))
        return self.case.status == "open"

    async def run_procedure(self, start: int = 0) -> None:
        """Walks the stage table in order; a return moves back and every later stage runs again."""
        stages = self.procedure.stages
        index = start
        entered = True  # open_case (or the run before this one) entered the stage
        while index < len(stages) and self.case.status == "open":
            stage = stages[index]
            begins = not entered
            if not entered:
                enter_stage(self.case, stage.id, workflow.uuid4().hex)
                if stage.kind != "notice":  # a notice reads them with its first posting
                    await self.officials.read(self._unit_path())
            entered = False
            if stage.kind == "notice":
                await self._run_notice(stage, begins)
            else:
                await self._until(
                    lambda: stage_complete(self.case, stage) or bool(self.case.pending_return) or self.case.status != "open"
                )
            if self.case.pending_return:
                index = self.procedure.index(self.case.pending_return)
                continue
            index += 1

    async def _run_notice(self, stage: Stage, begins: bool) -> None:
        """公示 of at least 7 days from its posting; an objection suspends the close; a dismissal restarts
        it in full. The notice is issued (its particulars read from the registry), then waits until
        every place it is posted in has recorded its posting (`tuopin notice posted`): the 7 days run
        from the last posting. `begins`: the stage begins here (its issue reads its officials), rather
        than going on in a run that continued the case."""
        stage_begins = begins
        while self.case.status == "open":
            window = self.case.current_notice()
            if window is None:  # (a case that continued as new mid-window goes on with its window)
                if not notice_issued(self.case):
                    await self._issue_notice(stage, stage_begins)
                    stage_begins = False
                if self.case.simulation is None:  # a load test's notice counts from its issue
                    await self._until(lambda: not unposted(self.case, stage) or self.case.status != "open")
                    if self.case.status != "open":
                        return
                first = not any(w.stage == stage.id and w.opened_at >= self._issued_at() for w in self.case.notices)
                opened_at = (posted_from(self.case) if first else None) or workflow.now()
                window = open_window(self.case, stage, opened_at)
                for scope in window.scopes:
                    await registry_step(
                        NoticeActivities.post_notice,
                        PostNoticeInput(
                            case_id=self.case.case_id, window_no=window.window_no, scope_level=scope.level,
                            jurisdiction_id=scope.jurisdiction_id, opened_at=window.opened_at,
                            closes_at=window.closes_at, body=notice_body(self.case, window),
                        ),
                    )
                await anchor_dossier(self.case)  # the service signs the dossier's order as the notice opens
            if not self.case.open_objections():
                try:
                    remaining = window.closes_at - workflow.now()
                    await self._until(lambda: bool(self.case.open_objections()), timeout=max(remaining, timedelta(seconds=1)))
                except asyncio.TimeoutError:
                    await self._close_notice("passed")
                    return
            await self._until(lambda: not self.case.open_objections() or self.case.status != "open")
            await self._close_notice("objected")
            # upheld: the case is rejected and the loop ends; all dismissed: a new full window.

    def _issued_at(self) -> datetime:
        """When the notice of this pass was issued (set by _issue_notice before any window of the pass)."""
        assert self.case.notice_issued_at is not None
        return self.case.notice_issued_at

    async def _issue_notice(self, stage: Stage, stage_begins: bool) -> None:
        """Reads what the notice shows from the registry (the household head's name, village group and
        size, the places' names, the 监督电话) and keeps it in the case, so `tuopin notice print` needs
        only the case; the stage's officials are read in the same visit when the stage begins here."""
        income_years = sorted(int(y) for y in (self.case.facts.get("per_capita_income") or {}))
        issued = await registry_step(
            NoticeActivities.issue_notice,
            IssueNoticeInput(
                case_id=self.case.case_id, exit_type=self.case.exit_type, unit_id=self.case.unit_id,
                unit_path=self._unit_path(), income_years=income_years,
                signers=self.officials.wanted(self._unit_path()) if stage_begins else None,
            ),
        )
        if stage_begins:
            self.officials.accept(issued.signers)
        self.case.notice_particulars = issued.particulars
        self.case.notice_issued_at = workflow.now()
        self.case.notice_issued_pass = self.case.pass_id
        self.publish()

    async def _close_notice(self, outcome: str) -> None:
        """Closes the window in the registry; a passed notice also reads the next stage's officials."""
        window = close_window(self.case, outcome, workflow.now())
        next_stage_begins = outcome == "passed"
        signers = await registry_step(
            NoticeActivities.close_notice,
            CloseNoticeInput(
                case_id=self.case.case_id, window_no=window.window_no, closed_at=window.closed_at, outcome=outcome,
                next_signers=self.officials.wanted(self._unit_path()) if next_stage_begins else None,
            ),
        )
        if next_stage_begins:
            self.officials.accept(signers)
        await anchor_dossier(self.case)  # ... and as it closes

    async def _until(self, moves_on: Callable[[], bool], timeout: timedelta | None = None) -> None:
        """Publishes the case and waits for what lets the procedure move on. Not published here if it
        moves on at once (the next step publishes), nor by the message that lets it move on."""
        moving_on = moves_on()
        if not moving_on:
            self.publish()
        self.moves_on = moves_on
        self.resting = self.resting or not moving_on
        try:
            await workflow.wait_condition(lambda: moves_on() or self._history_full(), timeout=timeout)
        finally:
            self.moves_on = None
        if not moves_on():
            await self._continue_as_new()

    def _history_full(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() >= self.CONTINUE_AFTER_EVENTS

    async def _continue_as_new(self) -> None:
        """Ends this run and starts the next with the whole case, once every message in flight is done."""
        await workflow.wait_condition(workflow.all_handlers_finished)
        carried = CaseResume(case=self.case, roster=self.officials.roster, roster_digest=self.officials.digest,
                             objector_digests=self.case.objector_digests, runs=self.runs)
        workflow.logger.info("case_continues_as_new", extra={"events": workflow.info().get_current_history_length()})
        workflow.continue_as_new(self.opening.model_copy(update={"resume": carried.model_dump(mode="json")}))

    async def record_exit(self, unit_type: str, announce: tuple[Level, ...] = (), file_with: tuple[Level, ...] = ()) -> None:
        """公告 in each level of `announce`, 备案 with each of `file_with`, and the registry change
        (销号 / 出列 / 摘帽): once, by this case, in one registry transaction."""
        postings = [self._announcement(level, "announcement") for level in announce]
        postings += [self._announcement(level, "filing") for level in file_with]
        mark = MarkExitedInput(
            unit_type=unit_type, unit_id=self.case.unit_id, case_id=self.case.case_id, year=self.case.year, at=workflow.now(),
        )
        change = await registry_step(RegistryActivities.record_exit, RecordExitInput(announcements=postings, exit=mark))
        self.case.announcements.extend(
            Announcement(level=p.scope_level, jurisdiction_id=p.jurisdiction_id, at=p.at, kind=p.kind)  # type: ignore[arg-type]
            for p in postings
        )
        self.case.registry_change = change.model_dump(mode="json")
        self.finish("exited")
        await anchor_dossier(self.case, final=True)  # the final head, also kept in the registry

    def _announcement(self, level: Level, kind: str) -> AnnounceInput:
        return AnnounceInput(
            case_id=self.case.case_id, kind=kind, scope_level=level.value,
            jurisdiction_id=self._unit_path().jurisdiction(level), at=workflow.now(),
            body=announcement_body(self.case, kind),
        )

    def outcome(self) -> CaseOutcome:
        if self.case.status != "exited":
            self.finish(self.case.status)
        return CaseOutcome(case_id=self.case.case_id, status=self.case.status, reason=self.case.outcome_reason)

    def finish(self, status: str, reason: str | None = None) -> None:
        self.case.status = status  # type: ignore[assignment]
        self.case.closed_at = workflow.now()
        if reason:
            self.case.outcome_reason = reason
        self.publish()

    def publish(self) -> None:
        """Keeps `awaiting`, the search attributes and the Web UI's current details in step with the case."""
        self.publisher.publish(self.case, self.procedure)

    def _unit_path(self) -> UnitPath:
        """Where the unit sits: set by decide_case before any stage runs."""
        assert self.case.unit_path is not None
        return self.case.unit_path
