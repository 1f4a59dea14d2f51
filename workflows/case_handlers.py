"""What officials, villagers and the operators' tools send to a case, and what they may ask it.

Each update's validator and its handler call the same domain rule (domain/signoff_rules.py,
domain/notice_rules.py), so a refused message is never written to history and changes nothing. A
signed message is verified against the official's registered key before anything is recorded.
Queries read the case and never change it.
"""

from collections.abc import Callable

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.errors import refusals_are_final
    from activities.models import ObjectionContactInput
    from activities.notice_activities import NoticeActivities
    from domain.case import CaseProgress, CaseState, Reminder
    from domain.case_summary import current_details
    from domain.messages import (
        CaseAck,
        ConsentCommand,
        DecisionCommand,
        ObjectionCommand,
        ReminderCommand,
        ResolutionCommand,
    )
    from domain.notice_rules import apply_resolution, check_objection, check_resolution, lodge_objection, objector_digest
    from domain.procedures import Procedure
    from domain.signature_rules import KeyInfo
    from domain.signing import SignedMessage
    from domain.signoff_rules import apply_consent, apply_decision, check_consent, check_decision, find_official
    from domain.waits import awaited
    from workflows.registry_steps import registry_step
    from workflows.signatures import verify_signed
    from workflows.stage_officials import StageOfficials


class CaseHandlers:
    """The message handlers of every exit workflow (mixed into workflows/exit_case.ExitCase)."""

    procedure: Procedure
    case: CaseState
    officials: StageOfficials
    moves_on: Callable[[], bool] | None  # what the procedure waits for now, if it waits
    resting: bool  # the procedure has come to its first step that waits

    def publish(self) -> None:
        raise NotImplementedError

    # -- updates -------------------------------------------------------------------------------
    @workflow.update
    async def decide(self, cmd: DecisionCommand) -> CaseAck:
        await self.verify_signature(cmd, cmd.stage, cmd.official_id)
        decision = refusals_are_final(
            lambda: apply_decision(self.case, self.procedure, self.officials.roster, cmd, workflow.now())
        )
        workflow.logger.info("decision_recorded", extra={"stage": cmd.stage, "outcome": cmd.outcome, "seq": decision.seq})
        self._publish_unless_moving_on()
        return self._ack(seq=decision.seq)

    @decide.validator
    def _validate_decide(self, cmd: DecisionCommand) -> None:
        refusals_are_final(lambda: check_decision(self.case, self.procedure, self.officials.roster, cmd, workflow.now()))

    @workflow.update
    async def consent(self, cmd: ConsentCommand) -> CaseAck:
        await self.verify_signature(cmd, self.case.stage, cmd.official_id)
        decision = refusals_are_final(
            lambda: apply_consent(self.case, self.procedure, self.officials.roster, cmd, workflow.now())
        )
        self._publish_unless_moving_on()
        return self._ack(seq=decision.seq)

    @consent.validator
    def _validate_consent(self, cmd: ConsentCommand) -> None:
        refusals_are_final(lambda: check_consent(self.case, self.procedure, self.officials.roster, cmd))

    @workflow.update
    async def object(self, cmd: ObjectionCommand) -> CaseAck:
        """The contact goes to the registry (a registry step returns its random reference); the case
        keeps the reference and a digest recognising the objector, never the contact itself."""
        refusals_are_final(lambda: check_objection(self.case, cmd, workflow.now()))
        digest = objector_digest(self.case, cmd)
        self.case.objector_digests.append(digest)  # held while the contact is stored: a twin waits its turn
        try:
            contact_ref = await registry_step(
                NoticeActivities.store_objection_contact,
                ObjectionContactInput(case_id=self.case.case_id, contact=cmd.contact, at=workflow.now()),
            )
        finally:
            self.case.objector_digests.remove(digest)
        try:
            objection = refusals_are_final(lambda: lodge_objection(self.case, cmd, workflow.now(), contact_ref))
        except ApplicationError:  # the notice closed while the contact was stored
            await registry_step(NoticeActivities.forget_objection_contact, contact_ref)
            raise
        workflow.logger.info("objection_lodged", extra={"objection_id": objection.objection_id})
        self._publish_unless_moving_on()
        return self._ack(objection_id=objection.objection_id)

    @object.validator
    def _validate_object(self, cmd: ObjectionCommand) -> None:
        refusals_are_final(lambda: check_objection(self.case, cmd, workflow.now()))

    @workflow.update
    async def resolve(self, cmd: ResolutionCommand) -> CaseAck:
        await self.verify_signature(cmd, self.case.stage, cmd.official_id)
        objection = refusals_are_final(
            lambda: apply_resolution(self.case, self.procedure, self.officials.roster, cmd, workflow.now())
        )
        workflow.logger.info("objection_resolved", extra={"objection_id": objection.objection_id, "status": objection.status})
        self._publish_unless_moving_on()
        return self._ack(objection_id=objection.objection_id)

    @resolve.validator
    def _validate_resolve(self, cmd: ResolutionCommand) -> None:
        refusals_are_final(lambda: check_resolution(self.case, self.procedure, self.officials.roster, cmd))

    @workflow.update
    async def opened(self) -> CaseProgress:
        """Sent with the start (update-with-start): answers once the worker has opened the case (or
        refused the opening) and the procedure has come to its first step that waits, so `tuopin open`
        needs no polling."""
        await workflow.wait_condition(lambda: self.resting or self.case.status != "open")
        return self.progress()

    # -- signals -------------------------------------------------------------------------------
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
        self.officials.revoke(key)

    # -- queries -------------------------------------------------------------------------------
    @workflow.query
    def progress(self) -> CaseProgress:
        return CaseProgress(
            case_id=self.case.case_id, stage=self.case.stage, status=self.case.status, ready=self.case.ready,
            outcome_reason=self.case.outcome_reason,
        )

    @workflow.query
    def state(self) -> CaseState:
        """The whole case, with who it still needs now."""
        return self.case.model_copy(update={"awaiting": awaited(self.case, self.procedure)})

    @workflow.query
    def still_awaited(self) -> list[str]:
        """Who the case still needs ("role@jurisdiction"): the Awaiting search attribute names everyone
        its current wait awaited when it began (domain/waits.py)."""
        return [a.key() for a in awaited(self.case, self.procedure)]

    # -- shared by the handlers and the opening ------------------------------------------------
    async def verify_signature(self, message: SignedMessage, stage: str, official_id: str) -> None:
        """签字确认: the signature must verify against the official's registered, unrevoked key. A refused
        signature is kept in the case's audit trail (who tried what, why) and changes nothing else."""
        official = refusals_are_final(lambda: find_official(self.case, self.officials.roster, official_id))
        await verify_signed(self.case, message, stage=stage, official=official, keys_of=self.officials.keys_of)

    def _publish_unless_moving_on(self) -> None:
        """A message that lets the procedure move on leaves the publishing to the procedure, which
        moves on in this same workflow task (one search-attribute upsert, not two)."""
        if self.moves_on is None or not self.moves_on():
            self.publish()

    def _ack(self, seq: int | None = None, objection_id: str | None = None) -> CaseAck:
        return CaseAck(
            case_id=self.case.case_id, stage=self.case.stage, status=self.case.status, seq=seq, objection_id=objection_id
        )
