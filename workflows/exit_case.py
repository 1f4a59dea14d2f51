"""The steps every exit procedure shares: sign-offs, the public notice with objections, return and
reject, and the case state officials query. Each exit workflow subclasses ExitCase and only says
how its unit is loaded, which criteria apply and what follows approval.
"""

import asyncio
from datetime import datetime, timedelta
from collections.abc import Callable
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.errors import refusals_are_final
    from activities.models import (
        AnnounceInput,
        CloseNoticeInput,
        LoadCaseInput,
        MarkExitedInput,
        PostNoticeInput,
        RecordExitInput,
        RosterInput,
        SignerKeysInput,
        Signers,
    )
    from activities.notice_activities import NoticeActivities
    from activities.registry_activities import RegistryActivities
    from domain.case import Announcement, CaseProgress, CaseState, RefusedAttempt, Reminder
    from domain.case_summary import current_details
    from domain.criteria.evaluate import evaluate_case
    from domain.messages import (
        Awaiting,
        CaseAck,
        CaseOutcome,
        ConsentCommand,
        DecisionCommand,
        ObjectionCommand,
        OpenCaseInput,
        ReminderCommand,
        ResolutionCommand,
    )
    from domain.notice_rules import (
        apply_resolution,
        check_objection,
        check_resolution,
        close_window,
        lodge_objection,
        open_window,
    )
    from domain.notice_text import announcement_body, notice_body
    from domain.officials import Roster
    from domain.procedures import Procedure, Stage
    from domain.roles import Level
    from domain.signature_rules import KeyInfo, SignatureRefused, check_signature, signature_digest
    from domain.signing import Signature
    from domain.refusals import Refusal
    from domain.signoff_rules import (
        apply_consent,
        apply_decision,
        check_consent,
        check_decision,
        enter_stage,
        find_official,
        reject,
        stage_complete,
    )
    from domain.waits import WaitId, awaited, wait_of, within
    from workflows import search_attributes as sa
    from workflows.timeouts import REGISTRY_CALL, REGISTRY_LOCAL_CALL, REGISTRY_LOCAL_FIRST

# Cases started from this version on call the registry through local activities (inside the workflow
# task that needs them: about half the workflow tasks and a third fewer events per case), falling
# back to a regular activity while the registry fails, and read each stage's officials with their
# keys in one go. Cases started before keep their recorded commands on replay.
LOCAL_REGISTRY = "registry-local-activities"
# Cases started from this version on take fewer steps for the same procedure: they publish their search
# attributes once per change of the case (a decision that ends a stage leaves the publishing to the
# procedure, which moves on in the same workflow task; the opening does not upsert what the client set
# when it started the case), and a notice's first posting and its passing close read the officials of
# the stage they begin in the same registry visit.
LEAN_STEPS = "lean-steps"
# Cases started from this version on publish who they await once per wait (domain/waits.py): a signature
# that leaves others of the same phase still to sign changes no search attribute. The one patch a case
# asks for from here on: it came after LOCAL_REGISTRY and LEAN_STEPS and implies both (a patch marker
# costs an event and a TemporalChangeVersion upsert).
AWAITING_PER_WAIT = "awaiting-per-wait"


def _is_refusal(err: FailureError) -> bool:
    """The registry answered no (not found, already exited): asking again would change nothing."""
    cause = err.cause if isinstance(err, ActivityError) else err
    return isinstance(cause, ApplicationError) and (
        cause.non_retryable or cause.type in (REGISTRY_CALL["retry_policy"].non_retryable_error_types or [])
    )


class ExitCase:
    procedure: Procedure

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
        self.roster = Roster()
        # the stage's officials' keys by official, or None where each signature reads its own
        self.keys: dict[str, list[KeyInfo]] | None = None
        self.signers_digest: str | None = None
        self.signers_read_at: datetime | None = None
        # what the procedure waits for; a message that satisfies it leaves the publishing to the
        # procedure, which moves on in the same workflow task (one search-attribute upsert, not two)
        self.moves_on: Callable[[], bool] | None = None
        # the patches this case runs under, decided when it begins (decide_case)
        self.local_registry = self.lean = self.per_wait = False
        # the wait last published: its id and everyone it awaited when it began (AWAITING_PER_WAIT)
        self.wait: WaitId | None = None
        self.wait_awaits: list[Awaiting] = []
        # the procedure has come to its first step that waits (for people or the notice's end)
        self.resting = False

    # -- what officials and villagers send ---------------------------------------------------
    @workflow.update
    async def decide(self, cmd: DecisionCommand) -> CaseAck:
        await self._verify_signature(
            "decision", cmd.stage, cmd.outcome, cmd.official_id, cmd.signature,
            meeting_ref=cmd.meeting_ref, note=cmd.note, to_stage=cmd.to_stage, evidence=cmd.record,
        )
        decision = refusals_are_final(lambda: apply_decision(self.case, self.procedure, self.roster, cmd, workflow.now()))
        workflow.logger.info("decision_recorded", extra={"stage": cmd.stage, "outcome": cmd.outcome, "seq": decision.seq})
        self._publish_unless_moving_on()
        return self._ack(seq=decision.seq)

    @decide.validator
    def _validate_decide(self, cmd: DecisionCommand) -> None:
        refusals_are_final(lambda: check_decision(self.case, self.procedure, self.roster, cmd, workflow.now()))

    @workflow.update
    async def consent(self, cmd: ConsentCommand) -> CaseAck:
        await self._verify_signature("consent", self.case.stage, "consent", cmd.official_id, cmd.signature, note=cmd.note)
        decision = refusals_are_final(lambda: apply_consent(self.case, self.procedure, self.roster, cmd, workflow.now()))
        self._publish_unless_moving_on()
        return self._ack(seq=decision.seq)

    @consent.validator
    def _validate_consent(self, cmd: ConsentCommand) -> None:
        refusals_are_final(lambda: check_consent(self.case, self.procedure, self.roster, cmd))

    @workflow.update
    def object(self, cmd: ObjectionCommand) -> CaseAck:
        objection = refusals_are_final(lambda: lodge_objection(self.case, cmd, workflow.now()))
        workflow.logger.info("objection_lodged", extra={"objection_id": objection.objection_id})
        self._publish_unless_moving_on()
        return self._ack(objection_id=objection.objection_id)

    @object.validator
    def _validate_object(self, cmd: ObjectionCommand) -> None:
        refusals_are_final(lambda: check_objection(self.case, cmd, workflow.now()))

    @workflow.update
    async def resolve(self, cmd: ResolutionCommand) -> CaseAck:
        await self._verify_signature(
            "resolution", self.case.stage, cmd.outcome, cmd.official_id, cmd.signature,
            note=cmd.finding, objection_id=cmd.objection_id,
        )
        objection = refusals_are_final(lambda: apply_resolution(self.case, self.procedure, self.roster, cmd, workflow.now()))
        workflow.logger.info("objection_resolved", extra={"objection_id": objection.objection_id, "status": objection.status})
        self._publish_unless_moving_on()
        return self._ack(objection_id=objection.objection_id)

    @resolve.validator
    def _validate_resolve(self, cmd: ResolutionCommand) -> None:
        refusals_are_final(lambda: check_resolution(self.case, self.procedure, self.roster, cmd))

    @workflow.signal
    def record_reminder(self, cmd: ReminderCommand) -> None:
        """The reminder sweep tells the case what it sent, so `show` and the dossier list it. A
        reminder about a wait that has since ended is ignored."""
        if self.case.status != "open" or cmd.stage != self.case.stage or cmd.waiting_since != self.case.awaiting_since:
            return
        if not any(
            r.kind == cmd.kind and r.recipient == cmd.recipient and r.waiting_since == cmd.waiting_since
            for r in self.case.reminders
        ):
            self.case.reminders.append(
                Reminder(at=workflow.now(), kind=cmd.kind, recipient=cmd.recipient, stage=cmd.stage,
                         waiting_since=cmd.waiting_since)
            )
            workflow.set_current_details(current_details(self.case))

    @workflow.signal
    def key_revoked(self, key: KeyInfo) -> None:
        """`tuopin officials revoke` tells the open cases at once, so a key revoked mid-stage is refused
        from that moment although the stage read its officials' keys when it began."""
        if self.keys is not None and key.official_id in self.keys and key.revoked_at is not None:
            self.keys[key.official_id] = [key if k.key_id == key.key_id else k for k in self.keys[key.official_id]]

    @workflow.update
    async def opened(self) -> CaseProgress:
        """Sent with the start (update-with-start): answers once the worker has opened the case (or refused
        the opening) and the procedure has come to its first step that waits, so `tuopin open` needs no
        polling (a poll landing while the opening's registry step runs costs the case an extra workflow
        task)."""
        await workflow.wait_condition(lambda: self.resting or self.case.status != "open")
        return self.progress()

    @workflow.query
    def progress(self) -> CaseProgress:
        return CaseProgress(
            case_id=self.case.case_id, stage=self.case.stage, status=self.case.status, ready=self.case.ready,
            outcome_reason=self.case.outcome_reason,
        )

    @workflow.query
    def state(self) -> CaseState:
        self.case.awaiting = awaited(self.case, self.procedure)
        return self.case

    @workflow.query
    def still_awaited(self) -> list[str]:
        """Who the case still needs ("role@jurisdiction"): the Awaiting search attribute names everyone
        its current wait awaited when it began (domain/waits.py)."""
        return [a.key() for a in awaited(self.case, self.procedure)]

    # -- the procedure -------------------------------------------------------------------------
    async def decide_case(self, inp: OpenCaseInput) -> bool:
        """Freezes the facts, checks the criteria and walks every stage; True when the case is approved."""
        # Every patch is asked for here, in the case's first workflow task, before any registry step: a
        # patch first asked after a local activity can be recorded in a later workflow task than that
        # activity (when it outlasts the task's heartbeat), and on replay the activity resolves earlier
        # than the patch is announced, so the case would not replay (seen in the 10,000-case run).
        self.per_wait = workflow.patched(AWAITING_PER_WAIT)
        if self.per_wait:
            self.local_registry = self.lean = True
        else:  # a case started before AWAITING_PER_WAIT: the patches its history recorded
            self.local_registry = workflow.patched(LOCAL_REGISTRY)
            self.lean = workflow.patched(LEAN_STEPS)
        data = await self._registry(
            RegistryActivities.load_case,
            LoadCaseInput(
                exit_type=inp.exit_type, unit_id=inp.unit_id, year=inp.year, designation=inp.designation,
                with_signers=self.local_registry,
            ),
        )
        if data.signers is not None:
            self._take_signers(data.signers)
        # 实事求是: the case is decided on the data it was opened with, frozen here.
        self.case.facts = data.facts
        self.case.unit_path = data.unit_path
        self.case.notice_rule = data.policy.notice
        self.case.simulation = inp.simulation
        self.case.criteria = evaluate_case(inp.exit_type, data.facts, inp.year, data.policy)
        self._upsert([
            sa.TOWNSHIP.value_set(data.unit_path.township_id or ""),
            sa.SIMULATION.value_set(inp.simulation is not None),
        ], only_changed=self.lean)
        if inp.simulation is not None and not data.simulation_worker:
            reject(self.case, "a simulated case (shortened notice) is refused by a production worker", workflow.now())
        elif not self.case.criteria.met:
            reject(self.case, "exit criteria not met: " + "; ".join(self.case.criteria.failures()), workflow.now())
        elif await self.open_case(inp):
            await self.run_procedure()
        return self.case.status == "open"

    async def record_exit(self, unit_type: str, announce: tuple[Level, ...] = (), file_with: tuple[Level, ...] = ()) -> None:
        """公告 in each level of `announce`, 备案 with each of `file_with`, and the registry change
        (销号 / 出列 / 摘帽): once, by this case, in one registry transaction."""
        mark = MarkExitedInput(
            unit_type=unit_type, unit_id=self.case.unit_id, case_id=self.case.case_id, year=self.case.year, at=workflow.now(),
        )
        if self.local_registry:
            postings = [self._announcement(level, "announcement") for level in announce]
            postings += [self._announcement(level, "filing") for level in file_with]
            change = await self._registry(RegistryActivities.record_exit, RecordExitInput(announcements=postings, exit=mark))
            self.case.announcements.extend(
                Announcement(level=p.scope_level, jurisdiction_id=p.jurisdiction_id, at=p.at, kind=p.kind)  # type: ignore[arg-type]
                for p in postings
            )
        else:  # cases started before LOCAL_REGISTRY: one activity each, as their histories recorded
            await self.announce(*announce)
            await self.announce(*file_with, kind="filing")
            change = await workflow.execute_activity_method(RegistryActivities.mark_exited, mark, **REGISTRY_CALL)
        self.case.registry_change = change.model_dump(mode="json")
        self.finish("exited")

    def outcome(self) -> CaseOutcome:
        if self.case.status != "exited":
            self.finish(self.case.status)
        return CaseOutcome(case_id=self.case.case_id, status=self.case.status, reason=self.case.outcome_reason)

    async def open_case(self, inp: OpenCaseInput) -> bool:
        """Applies the opener's first-stage record; False (case rejected) if it does not hold."""
        enter_stage(self.case, self.procedure.stages[0].id)
        await self._load_roster()  # (a no-op where load_case brought the officials along, moments ago)
        self.case.ready = True
        first = inp.first_decision
        try:
            await self._verify_signature(
                "decision", first.stage, first.outcome, first.official_id, first.signature,
                meeting_ref=first.meeting_ref, note=first.note, to_stage=first.to_stage, evidence=first.record,
            )
            apply_decision(self.case, self.procedure, self.roster, first, workflow.now())
        except (Refusal, ApplicationError) as exc:
            reject(self.case, f"the opening record was refused: {exc}", workflow.now())
            return False
        return True

    async def run_procedure(self) -> None:
        """Walks the stage table in order; a return moves back and every later stage runs again."""
        stages = self.procedure.stages
        index = 0
        entered = True  # open_case entered the first stage
        while index < len(stages) and self.case.status == "open":
            stage = stages[index]
            if not entered:
                enter_stage(self.case, stage.id)
                if stage.kind != "notice" or not self.lean:  # (the first posting reads them)
                    await self._load_roster()
            entered = False
            if stage.kind == "notice":
                if not self.lean:
                    self._publish()  # (now published once, when the window is posted)
                await self._run_notice(stage)
            else:
                await self._until(
                    lambda: stage_complete(self.case, stage) or bool(self.case.pending_return) or self.case.status != "open"
                )
            if self.case.pending_return:
                index = self.procedure.index(self.case.pending_return)
                continue
            index += 1

    async def _run_notice(self, stage: Stage) -> None:
        """公示 of at least 7 days; an objection suspends the close; a dismissal restarts it in full."""
        stage_begins = self.lean
        while self.case.status == "open":
            window = open_window(self.case, stage, workflow.now())
            for scope in window.scopes:
                signers = await self._registry(
                    NoticeActivities.post_notice,
                    PostNoticeInput(
                        case_id=self.case.case_id, window_no=window.window_no, scope_level=scope.level,
                        jurisdiction_id=scope.jurisdiction_id, opened_at=window.opened_at,
                        closes_at=window.closes_at, body=notice_body(self.case, window),
                        signers=self._signers_wanted() if stage_begins else None,
                    ),
                )
                if stage_begins:
                    self._accept_signers(signers)
                    stage_begins = False
            try:
                remaining = window.closes_at - workflow.now()
                await self._until(lambda: bool(self.case.open_objections()), timeout=max(remaining, timedelta(seconds=1)))
            except asyncio.TimeoutError:
                await self._close_notice("passed")
                return
            await self._until(lambda: not self.case.open_objections() or self.case.status != "open")
            await self._close_notice("objected")
            # upheld: the case is rejected and the loop ends; all dismissed: a new full window.

    async def _until(self, moves_on: Callable[[], bool], timeout: timedelta | None = None) -> None:
        """Publishes the case and waits for what lets the procedure move on. The case is published once
        per change: not here if it moves on at once (the next step publishes), and not by a message
        that lets it move on (see _publish_unless_moving_on)."""
        moving_on = moves_on()
        if not (self.lean and moving_on):
            self._publish()
        self.moves_on = moves_on
        self.resting = self.resting or not moving_on
        try:
            await workflow.wait_condition(moves_on, timeout=timeout)
        finally:
            self.moves_on = None

    async def _close_notice(self, outcome: str) -> None:
        window = close_window(self.case, outcome, workflow.now())
        next_stage_begins = outcome == "passed" and self.lean
        signers = await self._registry(
            NoticeActivities.close_notice,
            CloseNoticeInput(
                case_id=self.case.case_id, window_no=window.window_no, closed_at=window.closed_at, outcome=outcome,
                next_signers=self._signers_wanted() if next_stage_begins else None,
            ),
        )
        if next_stage_begins:
            self._accept_signers(signers)  # the next stage begins now and finds them read

    async def announce(self, *levels: Level, kind: str = "announcement") -> None:
        """公告 in each level named (or, with kind="filing", 备案 with it), one activity each: the path
        of cases started before LOCAL_REGISTRY (record_exit writes them with the exit now)."""
        for level in levels:
            posting = self._announcement(level, kind)
            await workflow.execute_activity_method(NoticeActivities.announce, posting, **REGISTRY_CALL)
            self.case.announcements.append(
                Announcement(level=posting.scope_level, jurisdiction_id=posting.jurisdiction_id, at=posting.at, kind=kind)  # type: ignore[arg-type]
            )

    def _announcement(self, level: Level, kind: str) -> AnnounceInput:
        assert self.case.unit_path is not None
        return AnnounceInput(
            case_id=self.case.case_id, kind=kind, scope_level=level.value, jurisdiction_id=self.case.unit_path.jurisdiction(level),
            at=workflow.now(), body=announcement_body(self.case, kind),
        )

    def finish(self, status: str, reason: str | None = None) -> None:
        self.case.status = status  # type: ignore[assignment]
        self.case.closed_at = workflow.now()
        if reason:
            self.case.outcome_reason = reason
        self._publish()

    # -- helpers -------------------------------------------------------------------------------
    async def _verify_signature(
        self, kind: str, stage: str, outcome: str, official_id: str, signature: Signature | None, **content: Any
    ) -> None:
        """签字确认: the signature must verify against the official's registered, unrevoked key. A refused
        signature is kept in the case's audit trail (who tried what, why) and changes nothing else."""
        official = refusals_are_final(lambda: find_official(self.case, self.roster, official_id))
        keys = await self._keys_of(official_id, signature.key_id if signature else None)
        try:
            check_signature(
                self.case, kind=kind, stage=stage, outcome=outcome, official=official, keys=keys,
                signature=signature, now=workflow.now(), **content,
            )
        except SignatureRefused as exc:
            self.case.refused_attempts.append(
                RefusedAttempt(
                    at=workflow.now(), kind=kind, stage=stage, outcome=outcome, official_id=official_id,
                    key_id=signature.key_id if signature else None, reason=str(exc),
                )
            )
            workflow.logger.warning("signature_refused", extra={"official_id": official_id, "kind": kind})
            raise ApplicationError(str(exc), type=SignatureRefused.__name__, non_retryable=True) from None
        assert signature is not None
        self.case.used_signatures.append(signature_digest(signature))

    async def _keys_of(self, official_id: str, key_id: str | None) -> list[KeyInfo]:
        """The official's keys as the stage read them; read fresh for a key the stage has not seen."""
        known = self.keys.get(official_id, []) if self.keys is not None else []
        if any(k.key_id == key_id for k in known):
            return known
        wanted = SignerKeysInput(official_id=official_id)
        if self.local_registry:
            return (await self._registry(RegistryActivities.signer_keys, wanted)).keys
        fresh = await workflow.execute_local_activity_method(RegistryActivities.signer_keys, wanted, **REGISTRY_LOCAL_CALL)
        return fresh.keys

    async def _load_roster(self) -> None:
        """The officials (and their keys) as the registry lists them when a stage begins."""
        assert self.case.unit_path is not None
        where = RosterInput(jurisdiction_ids=self.case.unit_path.jurisdiction_ids())
        if not self.local_registry:
            self.roster = await workflow.execute_activity_method(RegistryActivities.load_roster, where, **REGISTRY_CALL)
            return
        if self.signers_read_at == workflow.now():
            return  # read in this same workflow task (a stage that began the moment the last one ended)
        self._accept_signers(await self._registry(RegistryActivities.load_signers, self._signers_wanted()))

    def _signers_wanted(self) -> RosterInput:
        assert self.case.unit_path is not None
        return RosterInput(jurisdiction_ids=self.case.unit_path.jurisdiction_ids(), known=self.signers_digest)

    def _accept_signers(self, signers: Signers) -> None:
        self.signers_read_at = workflow.now()
        if not signers.unchanged:
            self._take_signers(signers)

    def _take_signers(self, signers: Signers) -> None:
        self.roster, self.signers_digest, self.signers_read_at = signers.roster, signers.digest, workflow.now()
        self.keys = {}
        for key in signers.keys:
            self.keys.setdefault(key.official_id, []).append(key)

    async def _registry(self, activity: Any, arg: Any) -> Any:
        """One registry step: a local activity first (cases started from LOCAL_REGISTRY on), then, while
        the registry keeps failing, a regular activity that operators can watch retry."""
        if self.local_registry:
            try:
                return await workflow.execute_local_activity_method(activity, arg, **REGISTRY_LOCAL_FIRST)
            except FailureError as err:  # a local activity's failure comes unwrapped (no ActivityError)
                if _is_refusal(err):
                    raise
                workflow.logger.warning("registry_step_retrying", extra={"step": activity.__name__})
        return await workflow.execute_activity_method(activity, arg, **REGISTRY_CALL)

    def _ack(self, seq: int | None = None, objection_id: str | None = None) -> CaseAck:
        return CaseAck(
            case_id=self.case.case_id, stage=self.case.stage, status=self.case.status, seq=seq, objection_id=objection_id
        )

    def _publish(self) -> None:
        """Keeps `awaiting`, the search attributes and the Web UI's current details in step with the case."""
        awaiting = awaited(self.case, self.procedure)
        if self.per_wait:
            wait = wait_of(self.case, self.procedure)
            if wait != self.wait or not within(awaiting, self.wait_awaits) or self.case.awaiting_since is None:
                self.wait, self.wait_awaits, self.case.awaiting_since = wait, awaiting, workflow.now()
            published = self.wait_awaits
        else:  # cases started before AWAITING_PER_WAIT publish every change of who is awaited
            if awaiting != self.case.awaiting or self.case.awaiting_since is None:
                self.case.awaiting_since = workflow.now()
            published = awaiting
        self.case.awaiting = awaiting
        window = self.case.current_notice()
        updates = [
            sa.CASE_STAGE.value_set(self.case.stage),
            sa.CASE_STATUS.value_set(self.case.status),
            sa.AWAITING.value_set([a.key() for a in published]),
            sa.AWAITING_SINCE.value_set(self.case.awaiting_since),
        ]
        if window is not None:
            updates.append(sa.NOTICE_CLOSES_AT.value_set(window.closes_at))
        self._upsert(updates, only_changed=self.local_registry)
        workflow.set_current_details(current_details(self.case))

    def _publish_unless_moving_on(self) -> None:
        """After a signed message: the procedure publishes the case itself if the message lets it move
        on (it does so in this same workflow task); otherwise the message publishes it now."""
        if self.moves_on is not None and self.moves_on() and self.lean:
            return
        self._publish()

    @staticmethod
    def _upsert(updates: list[SearchAttributeUpdate[Any]], only_changed: bool) -> None:
        """only_changed: fewer and smaller history events, and no visibility write for nothing."""
        if only_changed:
            current = workflow.info().typed_search_attributes
            updates = [u for u in updates if current.get(u.key) != u.value]
        if updates:
            workflow.upsert_search_attributes(updates)
