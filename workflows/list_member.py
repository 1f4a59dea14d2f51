"""A member case hears a list decision (名单): one signature over the list, relayed by the list's
workflow (workflows/name_list.py), and checked here as any signed decision is (docs/lists.md).

Anyone can reach the Temporal frontend, so the case trusts nothing the list workflow says: it
accepts the decision only if the signed list names this case in the stage and pass it is in now
(domain/name_lists.member_decision), the signature is by a certified key of an official holding the
post, made for that list, stage and member set (the same check_signed path as a single decision,
over a ledger view whose subject is the list), and the decision itself is one the official may make
on this case (domain/signoff_rules). The decision is recorded with the list's signature and the
signed list, so the dossier shows the member was on it.
"""

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.errors import refusals_are_final
    from domain.case import CaseState, RefusedAttempt
    from domain.messages import CaseAck, DecisionCommand
    from domain.name_lists import ListDecisionCommand, member_decision
    from domain.officials import Official
    from domain.procedures import Procedure
    from domain.signoff_rules import apply_decision, check_decision
    from workflows.signatures import refuse_unsigned, verify_signed
    from workflows.stage_officials import StageOfficials


class ListLedger:
    """The case's ledger, seen as the ledger of the list a signature names: the subject is the list
    id, the root, revocations, used signatures and refusals are the case's own (shared, not copied)."""

    def __init__(self, case: CaseState, list_id: str) -> None:
        self.subject_id = list_id
        self.trust_root: str | None = case.trust_root
        self.revoked_keys: dict[str, datetime] = case.revoked_keys
        self.used_signatures: list[str] = case.used_signatures
        self.refused_attempts: list[RefusedAttempt] = case.refused_attempts


class ListMemberHandlers:
    """Mixed into workflows/case_handlers.CaseHandlers."""

    procedure: Procedure
    case: CaseState
    officials: StageOfficials
    _official: Callable[[str], Official]
    _publish_unless_moving_on: Callable[[], None]
    _ack: Callable[..., CaseAck]

    @workflow.update
    def list_decide(self, cmd: ListDecisionCommand) -> CaseAck:
        mine = self._member_decision(cmd)
        verify_signed(ListLedger(self.case, cmd.list_id), cmd, stage=self.case.stage, pass_id=cmd.pass_binding(),
                      official=self._official(cmd.official_id))
        decision = refusals_are_final(
            lambda: apply_decision(self.case, self.procedure, self.officials.roster, mine, workflow.now())
        )
        decision.signed_list = {**cmd.covered(), "note": cmd.note}
        workflow.logger.info("list_decision_recorded", extra={
            "list_id": cmd.list_id, "stage": cmd.stage, "outcome": mine.outcome, "seq": decision.seq,
        })
        self._publish_unless_moving_on()
        return self._ack(seq=decision.seq)

    @list_decide.validator
    def _validate_list_decide(self, cmd: ListDecisionCommand) -> None:
        mine = self._member_decision(cmd)
        refusals_are_final(lambda: check_decision(self.case, self.procedure, self.officials.roster, mine, workflow.now()))
        refuse_unsigned(ListLedger(self.case, cmd.list_id), cmd, stage=self.case.stage, pass_id=cmd.pass_binding(),
                        official=self._official(cmd.official_id))

    def _member_decision(self, cmd: ListDecisionCommand) -> DecisionCommand:
        if self.case.pass_id is None or not self.case.ready:
            raise ApplicationError("the case is still opening; try again in a moment", type="NotReady", non_retryable=True)
        return refusals_are_final(lambda: member_decision(cmd, self.case.case_id, self.case.stage, self.case.pass_id or ""))
