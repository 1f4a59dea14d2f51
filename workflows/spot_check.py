"""强化监督问责 (清委办〔2017〕25号 四.4): 县精准扶贫工作领导小组要强化对贫困退出工作的督查抽查力度 — one spot
check of a county's exits of one year.

The check draws a reproducible sample (domain.spot_check.draw_sample, with the seed of its id) from
the exits the registry lists, freezes who signed each sampled exit, assigns verifiers from the
county leading group, and waits for one signed finding per unit (the `finding` update). An adverse
finding (不符合条件: ``false_exit``; 未完整履行退出程序: ``incomplete``) is referred to the unit's township
(责成相关地方进行核查处理): its party secretary and head sign one report (`report`), and the county party
secretary and county head decide on it at a meeting (`decide`): reverse the exit (虚假脱贫, the exit is
undone in the registry and its signers named) or have the missing steps redone
(domain/spot_check_referral.py). While a finding, a report or a decision is missing, every
`remind_after_days` those awaited get a reminder in the registry's outbox. The check ends when every
finding is in and every referral decided.

Workflow id: ``spot-check/<county>/<year>/<seed>`` (domain.spot_check.check_id).
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.errors import refusals_are_final
    from activities.models import RosterInput, Signers
    from activities.registry_activities import RegistryActivities
    from activities.supervision_activities import (
        CompleteCheckInput,
        ExitTracesInput,
        FindingResult,
        RecordDecisionInput,
        ListExitsInput,
        RecordCheckInput,
        RecordFindingInput,
        RemindInput,
        SupervisionActivities,
    )
    from domain.officials import Official, Roster
    from domain.refusals import Refusal
    from domain.signature_rules import accept_revocation
    from domain.spot_check import (
        CHECK_PASS,
        FINDING_STAGE,
        START_STAGE,
        CheckNotOpen,
        CheckReminder,
        CheckSummary,
        ExitTrace,
        FindingAck,
        FindingCommand,
        SampleEntry,
        SpotCheckInput,
        SpotCheckState,
        apply_finding,
        assign_verifiers,
        check_finding,
        check_initiator,
        check_sample_size,
        draw_sample,
        reminder_recipients,
        resolve_entry,
        summarize,
    )
    from domain.spot_check_referral import (
        DECISION_STAGE,
        REPORT_STAGE,
        DecisionOnReferral,
        Referral,
        ReferralAck,
        ReferralRefused,
        ReportCommand,
        TOWNSHIP_SIGNERS,
        apply_report,
        check_decision,
        check_report,
        record_decision_signature,
    )
    from workflows.registry_steps import registry_step
    from workflows.signatures import refuse_unsigned, verify_signed
    from workflows.timeouts import REGISTRY_CALL, REGISTRY_RETRY

TRACES_CALL = {"start_to_close_timeout": timedelta(minutes=30), "heartbeat_timeout": timedelta(minutes=2),
               "retry_policy": REGISTRY_RETRY}
TRACE_BATCH = 50


@workflow.defn
class SpotCheckWorkflow:
    @workflow.init
    def __init__(self, inp: SpotCheckInput) -> None:
        self.state = SpotCheckState(
            check_id=workflow.info().workflow_id, county_id=inp.county_id, year=inp.year, percent=inp.percent,
            seed=inp.seed, initiator_id=inp.initiator_id, started_at=workflow.now(),
            remind_after_days=inp.remind_after_days,
        )
        self.roster = Roster()

    @workflow.run
    async def run(self, inp: SpotCheckInput) -> CheckSummary:
        signers = await registry_step(RegistryActivities.load_signers, RosterInput(jurisdiction_ids=[inp.county_id]))
        self._accept_signers(signers)
        try:
            initiator = check_initiator(self.roster, inp)
            verify_signed(self.state, inp, stage=START_STAGE, pass_id=CHECK_PASS, official=initiator)
        except (Refusal, ApplicationError) as exc:
            return self._refuse(f"the check was refused on starting: {exc}")
        exits = await workflow.execute_activity_method(
            SupervisionActivities.list_exits, ListExitsInput(county_id=inp.county_id, year=inp.year), **REGISTRY_CALL
        )
        try:
            check_sample_size(len(exits.units), inp.percent)
        except Refusal as exc:
            return self._refuse(str(exc))
        sample = draw_sample(exits.units, inp.percent, inp.seed)
        traces: dict[str, ExitTrace] = {}
        case_ids = [u.case_id for u in sample]
        for start in range(0, len(case_ids), TRACE_BATCH):
            batch = await workflow.execute_activity_method(
                SupervisionActivities.exit_traces, ExitTracesInput(case_ids=case_ids[start:start + TRACE_BATCH]),
                **TRACES_CALL,
            )
            traces.update({t.case_id: t for t in batch.traces})
        self.state.exits_total = len(exits.units)
        self.state.sample = assign_verifiers(sample, traces, self.roster, inp.county_id)
        # the townships an adverse finding is referred to: their leaders sign its report
        townships = sorted({e.township_id for e in self.state.sample if e.township_id})
        if townships:
            self._accept_signers(await registry_step(
                RegistryActivities.load_signers, RosterInput(jurisdiction_ids=[inp.county_id, *townships])
            ))
        await workflow.execute_activity_method(
            SupervisionActivities.record_check,
            RecordCheckInput(
                check_id=self.state.check_id, county_id=inp.county_id, year=inp.year, percent=inp.percent,
                seed=inp.seed, initiator_id=inp.initiator_id, exits_total=self.state.exits_total,
                sample_size=len(self.state.sample), at=workflow.now(),
            ),
            **REGISTRY_CALL,
        )
        self.state.status = "open"
        workflow.logger.info("spot_check_drawn", extra={"sampled": len(self.state.sample), "exits": self.state.exits_total})
        self._publish()
        await self._await_findings(timedelta(days=inp.remind_after_days))
        await workflow.wait_condition(workflow.all_handlers_finished)
        self.state.status = "completed"
        self.state.completed_at = workflow.now()
        summary = summarize(self.state)
        await workflow.execute_activity_method(
            SupervisionActivities.complete_check,
            CompleteCheckInput(check_id=self.state.check_id, units_checked=summary.units_checked,
                               false_exits=summary.false_exits, at=workflow.now()),
            **REGISTRY_CALL,
        )
        self._publish()
        return summary

    async def _await_findings(self, limit: timedelta) -> None:
        """A durable timer per round: past the limit without every finding, report and decision, those
        awaited are reminded (once per round), and the next round begins."""
        waiting_since = workflow.now()
        while self.state.pending():
            try:
                await workflow.wait_condition(lambda: not self.state.pending(), timeout=limit)
            except asyncio.TimeoutError:
                recipients, units = reminder_recipients(self.state)
                await workflow.execute_activity_method(
                    SupervisionActivities.remind_verifiers,
                    RemindInput(check_id=self.state.check_id, recipients=recipients, waiting_since=waiting_since,
                                now=workflow.now()),
                    **REGISTRY_CALL,
                )
                self.state.reminders.append(CheckReminder(
                    at=workflow.now(), round=len(self.state.reminders) + 1, recipients=recipients, units=units,
                ))
                workflow.logger.info("spot_check_reminded", extra={"recipients": recipients})
                waiting_since = workflow.now()
                self._publish()

    # -- what verifiers send ----------------------------------------------------------------------
    @workflow.update
    async def finding(self, cmd: FindingCommand) -> FindingAck:
        entry, official, _ = refusals_are_final(lambda: check_finding(self.state, self.roster, cmd))
        # Held from here to the end: a second finding on the unit is refused while this one awaits
        # the signature check and the registry.
        self.state.in_flight.append(entry.key)
        try:
            verify_signed(self.state, cmd, stage=FINDING_STAGE, pass_id=CHECK_PASS, official=official)
            try:
                result = await workflow.execute_activity_method(
                    SupervisionActivities.record_finding,
                    RecordFindingInput(
                        check_id=self.state.check_id, unit_type=entry.unit_type, unit_id=entry.unit_id,
                        exited_case_id=entry.case_id, exit_year=entry.year, verdict=cmd.verdict,
                        official_id=official.official_id, person_id=official.person_id, note=cmd.note,
                        signature=cmd.signature, signers=entry.signers, at=workflow.now(),
                        referred_to=[f"{r.value}@{entry.township_id}" for r in TOWNSHIP_SIGNERS]
                        if cmd.verdict != "confirmed" and entry.township_id else [],
                    ),
                    **REGISTRY_CALL,
                )
            except ActivityError as exc:
                cause = exc.cause
                if isinstance(cause, ApplicationError):
                    raise ApplicationError(cause.message, type=cause.type, non_retryable=True) from None
                raise ApplicationError(f"the registry refused the finding: {cause}", non_retryable=True) from None
            recorded = refusals_are_final(
                lambda: apply_finding(self.state, self.roster, cmd, workflow.now(), result.registry_change)
            )
        finally:
            self.state.in_flight.remove(entry.key)
        workflow.logger.info("spot_check_finding", extra={"unit_id": entry.unit_id, "verdict": cmd.verdict})
        self._publish()
        return FindingAck(
            check_id=self.state.check_id, unit_type=recorded.unit_type, unit_id=recorded.unit_id, verdict=cmd.verdict,
            status=self.state.status, registry_change=result.registry_change,
            signers=recorded.signers if cmd.verdict != "confirmed" else [],
            units_outstanding=len(self.state.outstanding()),
        )

    # -- 核查处理: the township's report and the county's decision on an adverse finding ---------
    @workflow.update
    def report(self, cmd: ReportCommand) -> ReferralAck:
        entry, referral, official = self._check_report(cmd)
        verify_signed(self.state, cmd, stage=REPORT_STAGE, pass_id=CHECK_PASS, official=official)
        apply_report(referral, official, cmd, workflow.now())
        workflow.logger.info("spot_check_report", extra={"unit_id": entry.unit_id, "status": referral.status})
        self._publish()
        return self._referral_ack(entry.unit_type, entry.unit_id, referral)

    @report.validator
    def _validate_report(self, cmd: ReportCommand) -> None:
        _, _, official = self._check_report(cmd)
        refuse_unsigned(self.state, cmd, stage=REPORT_STAGE, pass_id=CHECK_PASS, official=official)

    @workflow.update
    async def decide(self, cmd: DecisionOnReferral) -> ReferralAck:
        entry, referral, official = self._check_decision(cmd)
        verify_signed(self.state, cmd, stage=DECISION_STAGE, pass_id=CHECK_PASS, official=official)
        if not record_decision_signature(referral, official, cmd, workflow.now()):
            self._publish()
            return self._referral_ack(entry.unit_type, entry.unit_id, referral)
        # both have signed: the registry is written once, under this handler; a late third is refused
        self.state.in_flight.append(f"decision:{entry.key}")
        try:
            result = await self._record_decision(entry, referral, cmd)
        finally:
            self.state.in_flight.remove(f"decision:{entry.key}")
        referral.registry_change, referral.decided_at, referral.status = result.registry_change, workflow.now(), "decided"
        workflow.logger.info("spot_check_decision", extra={"unit_id": entry.unit_id, "ruling": cmd.ruling})
        self._publish()
        return self._referral_ack(entry.unit_type, entry.unit_id, referral)

    async def _record_decision(self, entry: SampleEntry, referral: Referral, cmd: DecisionOnReferral) -> FindingResult:
        """Writes the decision; a registry that refuses it takes the second signature back (it may be
        given again) and fails the update."""
        try:
            return await workflow.execute_activity_method(
                SupervisionActivities.record_decision,
                RecordDecisionInput(
                    check_id=self.state.check_id, unit_type=entry.unit_type, unit_id=entry.unit_id,
                    exited_case_id=entry.case_id, exit_year=entry.year, ruling=cmd.ruling,
                    referral=referral.model_dump(mode="json"), at=workflow.now(),
                ),
                **REGISTRY_CALL,
            )
        except ActivityError as exc:
            referral.decision_signers.pop()
            cause = exc.cause
            message = cause.message if isinstance(cause, ApplicationError) else f"the registry refused the decision: {cause}"
            raise ApplicationError(message, type=getattr(cause, "type", None) or "RegistryRefused", non_retryable=True) from None

    @decide.validator
    def _validate_decide(self, cmd: DecisionOnReferral) -> None:
        _, _, official = self._check_decision(cmd)
        refuse_unsigned(self.state, cmd, stage=DECISION_STAGE, pass_id=CHECK_PASS, official=official)

    def _check_report(self, cmd: ReportCommand) -> tuple[SampleEntry, Referral, Official]:
        def check() -> tuple[SampleEntry, Referral, Official]:
            entry = self._open_entry(cmd.unit_id, cmd.unit_type)
            official = check_report(entry.referral, self.roster, cmd, entry.unit_type)
            assert entry.referral is not None
            return entry, entry.referral, official
        return refusals_are_final(check)

    def _check_decision(self, cmd: DecisionOnReferral) -> tuple[SampleEntry, Referral, Official]:
        def check() -> tuple[SampleEntry, Referral, Official]:
            entry = self._open_entry(cmd.unit_id, cmd.unit_type)
            if f"decision:{entry.key}" in self.state.in_flight:
                raise ReferralRefused(f"the county's decision on {entry.unit_id} is being recorded right now")
            official = check_decision(entry.referral, self.roster, cmd, entry.unit_type, self.state.county_id)
            assert entry.referral is not None
            return entry, entry.referral, official
        return refusals_are_final(check)

    def _open_entry(self, unit_id: str, unit_type: str | None) -> SampleEntry:
        if self.state.status != "open":
            raise CheckNotOpen(f"{self.state.check_id} is {self.state.status}; it takes nothing more")
        return resolve_entry(self.state, unit_id, unit_type)

    def _referral_ack(self, unit_type: str, unit_id: str, referral: Referral) -> ReferralAck:
        place = referral.township_id if referral.status == "referred" else self.state.county_id
        return ReferralAck(check_id=self.state.check_id, unit_type=unit_type, unit_id=unit_id, status=referral.status,
                           awaiting=[f"{r.value}@{place}" for r in referral.awaited_roles()],
                           registry_change=referral.registry_change)

    @finding.validator
    def _validate_finding(self, cmd: FindingCommand) -> None:
        _, official, _ = refusals_are_final(lambda: check_finding(self.state, self.roster, cmd))
        refuse_unsigned(self.state, cmd, stage=FINDING_STAGE, pass_id=CHECK_PASS, official=official)

    @workflow.query
    def state(self) -> SpotCheckState:
        return self.state

    @workflow.query
    def summary(self) -> CheckSummary:
        return summarize(self.state)

    # -- helpers ----------------------------------------------------------------------------------
    def _accept_signers(self, signers: Signers) -> None:
        self.roster, self.state.trust_root = signers.roster, signers.trust_root
        for revocation in signers.revocations:
            try:
                accept_revocation(self.state, revocation)
            except Refusal as exc:
                workflow.logger.warning("revocation_ignored", extra={"key_id": revocation.key_id, "reason": str(exc)})

    def _refuse(self, reason: str) -> CheckSummary:
        self.state.status = "refused"
        self.state.reason = reason
        self.state.completed_at = workflow.now()
        self._publish()
        return summarize(self.state)

    def _publish(self) -> None:
        """The Web UI's current details: counts only, no personal data."""
        s = summarize(self.state)
        rate = "-" if s.wrongful_exit_rate is None else f"{s.wrongful_exit_rate:.1%}"
        workflow.set_current_details(
            f"**督查抽查** {self.state.county_id} {self.state.year} · seed {self.state.seed} · **{self.state.status}**\n\n"
            f"sampled {s.units_sampled} of {s.exits_total} exits · checked {s.units_checked} · outstanding "
            f"{s.units_outstanding} · false exits {s.false_exits}, incomplete {s.incomplete} (rate {rate}) · "
            f"referrals open {s.referrals_open} · reversed {len(s.reversed_units)} · redo {len(s.redo_units)} · "
            f"reminders {s.reminders}"
        )
