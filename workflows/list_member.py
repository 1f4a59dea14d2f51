"""A member case hears a list decision (名单): one signature over the list, relayed by the list's
workflow (workflows/name_list.py), and checked here as any signed decision is (docs/lists.md).

Anyone can reach the Temporal frontend, so the case trusts nothing the list workflow says: it
accepts the decision only if the signed list names this case in the stage and pass it is in now
(domain/name_lists.member_decision), the signature is by a certified key of an official holding the
post, made for that list, stage and member set (the same check_signed path as a single decision,
over a ledger view whose subject is the list), and the decision itself is one the official may make
on this case (domain/signoff_rules). The decision is recorded with the list's signature and the
signed list, so the dossier shows the member was on it.

The list's one notice posting (domain/list_notice.py) is heard the same way: the member accepts it
only for itself in the pass of its notice it is in now, checks its signature on the same path, then
records it as its own posting under domain/notice_posting's rules, with the signed list.
"""

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.errors import refusals_are_final
    from domain.case import CaseState, RefusedAttempt
    from domain.list_notice import ListPostingCommand, member_posting
    from domain.messages import CaseAck, DecisionCommand, PostingCommand
    from domain.name_lists import ListDecisionCommand, member_decision
    from domain.notice_posting import apply_posting, check_posting
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

    @workflow.update
    def list_notice_posted(self, cmd: ListPostingCommand) -> CaseAck:
        mine = self._member_posting(cmd)
        verify_signed(ListLedger(self.case, cmd.list_id), cmd, stage=self.case.stage, pass_id=cmd.pass_binding(),
                      official=self._official(cmd.official_id))
        posting = refusals_are_final(
            lambda: apply_posting(self.case, self.procedure, self.officials.roster, mine, workflow.now())
        )
        posting.signed_list = cmd.covered()
        workflow.logger.info("list_posting_recorded", extra={"list_id": cmd.list_id, "seq": posting.seq})
        self._publish_unless_moving_on()
        return self._ack(seq=posting.seq)

    @list_notice_posted.validator
    def _validate_list_notice_posted(self, cmd: ListPostingCommand) -> None:
        mine = self._member_posting(cmd)
        refusals_are_final(lambda: check_posting(self.case, self.procedure, self.officials.roster, mine, workflow.now()))
        refuse_unsigned(ListLedger(self.case, cmd.list_id), cmd, stage=self.case.stage, pass_id=cmd.pass_binding(),
                        official=self._official(cmd.official_id))

    def _member_posting(self, cmd: ListPostingCommand) -> PostingCommand:
        self._require_ready()
        return refusals_are_final(lambda: member_posting(cmd, self.case.case_id, self.case.stage, self.case.pass_id or ""))

    def _require_ready(self) -> None:
        if self.case.pass_id is None or not self.case.ready:
            raise ApplicationError("the case is still opening; try again in a moment", type="NotReady", non_retryable=True)

    def _member_decision(self, cmd: ListDecisionCommand) -> DecisionCommand:
        self._require_ready()
        return refusals_are_final(lambda: member_decision(cmd, self.case.case_id, self.case.stage, self.case.pass_id or ""))
