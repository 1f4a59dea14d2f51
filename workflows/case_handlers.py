"""What officials, villagers and the operators' tools send to a case, and what they may ask it.

Every update has a validator that runs the same pure checks as its handler (the signature against
the case's pinned root, the stage, its pass and the clock; then the domain rule of
domain/signoff_rules.py or domain/notice_rules.py), so a refused message never reaches history and
changes nothing: a flood of junk costs the case no events. Queries read the case and never change it.
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
    from domain.certificates import CertificateRefused, KeyRevocation, check_revocation
    from domain.messages import (
        CaseAck,
        ConsentCommand,
        DecisionCommand,
        ObjectionCommand,
        PostingCommand,
        ReminderCommand,
        ResolutionCommand,
    )
    from domain.notice_posting import apply_posting, check_posting
    from domain.notice_rules import apply_resolution, check_objection, check_resolution, lodge_objection, objector_digest
    from domain.officials import Official
    from domain.procedures import Procedure
    from domain.signature_rules import accept_revocation
    from domain.signing import SignedMessage
    from domain.signoff_rules import apply_consent, apply_decision, check_consent, check_decision, find_official
    from domain.waits import awaited
    from workflows.registry_steps import registry_step
    from workflows.list_member import ListMemberHandlers
    from workflows.signatures import refuse_unsigned, verify_signed
    from workflows.stage_officials import StageOfficials

# `opened` answers `tuopin open`; more than a few askers is not a client retrying but a flood.
OPENED_ASKS = 5


class CaseHandlers(ListMemberHandlers):
    """The message handlers of every exit workflow (mixed into workflows/exit_case.ExitCase)."""

    procedure: Procedure
    case: CaseState
    officials: StageOfficials
    moves_on: Callable[[], bool] | None  # what the procedure waits for now, if it waits
    resting: bool  # the procedure has come to its first step that waits
    opened_asks: int

    def publish(self) -> None:
        raise NotImplementedError

    # -- signed updates --------------------------------------------------------------------------
    @workflow.update
    def decide(self, cmd: DecisionCommand) -> CaseAck:
        self.verify_signature(cmd, cmd.stage, cmd.official_id)
        decision = refusals_are_final(
            lambda: apply_decision(self.case, self.procedure, self.officials.roster, cmd, workflow.now())
        )
        workflow.logger.info("decision_recorded", extra={"stage": cmd.stage, "outcome": cmd.outcome, "seq": decision.seq})
        self._publish_unless_moving_on()
        return self._ack(seq=decision.seq)

    @decide.validator
    def _validate_decide(self, cmd: DecisionCommand) -> None:
        refusals_are_final(lambda: check_decision(self.case, self.procedure, self.officials.roster, cmd, workflow.now()))
        self._validate_signed(cmd, cmd.stage, cmd.official_id)

    @workflow.update
    def consent(self, cmd: ConsentCommand) -> CaseAck:
        self.verify_signature(cmd, self.case.stage, cmd.official_id)
        decision = refusals_are_final(
            lambda: apply_consent(self.case, self.procedure, self.officials.roster, cmd, workflow.now())
        )
        self._publish_unless_moving_on()
        return self._ack(seq=decision.seq)

    @consent.validator
    def _validate_consent(self, cmd: ConsentCommand) -> None:
        refusals_are_final(lambda: check_consent(self.case, self.procedure, self.officials.roster, cmd))
        self._validate_signed(cmd, self.case.stage, cmd.official_id)

    @workflow.update
    def resolve(self, cmd: ResolutionCommand) -> CaseAck:
        self.verify_signature(cmd, self.case.stage, cmd.official_id)
        objection = refusals_are_final(
            lambda: apply_resolution(self.case, self.procedure, self.officials.roster, cmd, workflow.now())
        )
        workflow.logger.info("objection_resolved", extra={"objection_id": objection.objection_id, "status": objection.status})
        self._publish_unless_moving_on()
        return self._ack(objection_id=objection.objection_id)

    @resolve.validator
    def _validate_resolve(self, cmd: ResolutionCommand) -> None:
        refusals_are_final(lambda: check_resolution(self.case, self.procedure, self.officials.roster, cmd))
        self._validate_signed(cmd, self.case.stage, cmd.official_id)

    @workflow.update
    def notice_posted(self, cmd: PostingCommand) -> CaseAck:
        """公示 posted: when and where, signed by an official of the place; the 7 days run from then."""
        self.verify_signature(cmd, self.case.stage, cmd.official_id)
        decision = refusals_are_final(
            lambda: apply_posting(self.case, self.procedure, self.officials.roster, cmd, workflow.now())
        )
        workflow.logger.info("notice_posting_recorded", extra={"seq": decision.seq})
        self._publish_unless_moving_on()
        return self._ack(seq=decision.seq)

    @notice_posted.validator
    def _validate_notice_posted(self, cmd: PostingCommand) -> None:
        refusals_are_final(lambda: check_posting(self.case, self.procedure, self.officials.roster, cmd, workflow.now()))
        self._validate_signed(cmd, self.case.stage, cmd.official_id)

    # -- unsigned updates --------------------------------------------------------------------------
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
    def key_revoked(self, revocation: KeyRevocation) -> None:
        """`tuopin officials revoke` tells the open cases at once: a signature made with the key is
        refused from the revocation's time on, although the stage read its officials when it began.
        The message carries the administrator's signed revocation and nothing else."""
        refusals_are_final(lambda: accept_revocation(self.case, revocation))

    @key_revoked.validator
    def _validate_key_revoked(self, revocation: KeyRevocation) -> None:
        if self.case.trust_root is None:
            raise ApplicationError("the case is still opening; try again in a moment", type="NotReady", non_retryable=True)
        try:
            check_revocation(revocation, self.case.trust_root)
        except CertificateRefused as exc:
            raise ApplicationError(str(exc), type="RevocationRefused", non_retryable=True) from None
        known = self.case.revoked_keys.get(revocation.key_id)
        if known is not None and known <= revocation.statement.revoked_at:
            raise ApplicationError(f"key {revocation.key_id} is known revoked already", type="AlreadyKnown", non_retryable=True)

    @workflow.update
    def record_reminder(self, cmd: ReminderCommand) -> None:
        """The reminder sweep tells the case what it sent, so `show` and the dossier list it."""
        self.case.reminders.append(
            Reminder(at=workflow.now(), kind=cmd.kind, recipient=cmd.recipient, stage=cmd.stage, waiting_since=cmd.waiting_since)
        )
        workflow.set_current_details(current_details(self.case))

    @record_reminder.validator
    def _validate_record_reminder(self, cmd: ReminderCommand) -> None:
        """Once per wait, kind and recipient, and only about the wait the case is in."""
        if self.case.status != "open" or cmd.stage != self.case.stage or cmd.waiting_since != self.case.awaiting_since:
            raise ApplicationError("the reminder is about a wait that has ended", type="StaleReminder", non_retryable=True)
        if any(
            r.kind == cmd.kind and r.recipient == cmd.recipient and r.waiting_since == cmd.waiting_since
            for r in self.case.reminders
        ):
            raise ApplicationError("this reminder is recorded already", type="AlreadyKnown", non_retryable=True)

    @workflow.update
    async def opened(self) -> CaseProgress:
        """Sent with the start (update-with-start): answers once the worker has opened the case (or
        refused the opening) and the procedure has come to its first step that waits, so `tuopin open`
        needs no polling."""
        self.opened_asks += 1
        await workflow.wait_condition(lambda: self.resting or self.case.status != "open")
        return self.progress()

    @opened.validator
    def _validate_opened(self) -> None:
        if self.resting or self.opened_asks >= OPENED_ASKS:
            raise ApplicationError("the case is open; ask it with `tuopin show`", type="AlreadyOpen", non_retryable=True)

    # -- queries -------------------------------------------------------------------------------
    @workflow.query
    def progress(self) -> CaseProgress:
        return CaseProgress(
            case_id=self.case.case_id, stage=self.case.stage, status=self.case.status, ready=self.case.ready,
            outcome_reason=self.case.outcome_reason, pass_id=self.case.pass_id,
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
    def verify_signature(self, message: SignedMessage, stage: str, official_id: str) -> None:
        """签字确认: the key certified by the pinned root for this official, not revoked, the signature
        made for this case, stage and pass, lately, over exactly this message, and used once."""
        assert self.case.pass_id is not None
        verify_signed(self.case, message, stage=stage, pass_id=self.case.pass_id, official=self._official(official_id))

    def _validate_signed(self, message: SignedMessage, stage: str, official_id: str) -> None:
        if self.case.pass_id is None or not self.case.ready:
            raise ApplicationError("the case is still opening; try again in a moment", type="NotReady", non_retryable=True)
        refuse_unsigned(self.case, message, stage=stage, pass_id=self.case.pass_id, official=self._official(official_id))

    def _official(self, official_id: str) -> Official:
        return refusals_are_final(lambda: find_official(self.case, self.officials.roster, official_id))

    def _publish_unless_moving_on(self) -> None:
        """A message that lets the procedure move on leaves the publishing to the procedure, which
        moves on in this same workflow task (one search-attribute upsert, not two)."""
        if self.moves_on is None or not self.moves_on():
            self.publish()

    def _ack(self, seq: int | None = None, objection_id: str | None = None) -> CaseAck:
        return CaseAck(
            case_id=self.case.case_id, stage=self.case.stage, status=self.case.status, seq=seq, objection_id=objection_id
        )
