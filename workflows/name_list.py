"""名单: a list of household cases an official signs once at a stage (docs/lists.md).

The members are ordinary exit cases, addressed by id: each keeps its consent, objections, return or
rejection, 销号 and dossier whole, and a case that is on no list works as before. This workflow only
relays a signed list decision to each member (an update the member verifies itself, as it would a
single decision: workflows/list_member.py) and keeps what it last saw of its members, to derive the
list's stage and to end when every member has ended. A member's refusal, return or rejection never
holds up the others.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.errors import refusals_are_final
    from activities.list_activities import ListActivities, MembersInput, RelayInput
    from domain.list_relay import check_relay
    from domain.list_state import ListDecisionResult, ListState, MemberView, OpenListInput, RelayedDecision
    from domain.name_lists import ListDecisionCommand

# How often the list reads where its members stand, besides right after it relays a decision: the
# members move on their own (consent, the notice's timer), and the list ends once all of them ended.
REFRESH = timedelta(days=1)
CONTINUE_AFTER_EVENTS = 5000
MEMBER_CALL = {"start_to_close_timeout": timedelta(minutes=2), "heartbeat_timeout": timedelta(seconds=60)}


@workflow.defn
class NameListWorkflow:
    @workflow.init
    def __init__(self, inp: OpenListInput) -> None:
        if inp.carried is not None and workflow.info().continued_run_id is not None:
            self.names = ListState.model_validate(inp.carried)
        else:
            self.names = ListState(
                list_id=workflow.info().workflow_id, exit_type=inp.exit_type, unit_id=inp.unit_id, year=inp.year,
                opened_by=inp.opened_by, opened_at=workflow.now(),
                members=[MemberView(case_id=c, stage="") for c in inp.members],
            )
        self.opening = inp
        self.refresh_now = True

    @workflow.run
    async def run(self, inp: OpenListInput) -> dict:
        while True:
            try:
                await workflow.wait_condition(lambda: self.refresh_now, timeout=REFRESH)
            except asyncio.TimeoutError:
                pass
            self.refresh_now = False
            await self._refresh()
            if self.names.status != "open":
                break
            if workflow.info().get_current_history_length() >= CONTINUE_AFTER_EVENTS:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self.opening.model_copy(update={"carried": self.names.model_dump(mode="json")}))
        await workflow.wait_condition(workflow.all_handlers_finished)
        self.names.closed_at = workflow.now()
        return {"list_id": self.names.list_id, "members": {m.case_id: m.status for m in self.names.members}}

    async def _refresh(self) -> None:
        ids = [m.case_id for m in self.names.open_members() or self.names.members]
        seen = await workflow.execute_activity_method(ListActivities.member_progress, MembersInput(case_ids=ids), **MEMBER_CALL)
        for view in seen.members:
            self._see(view)

    def _see(self, view: MemberView) -> None:
        for index, member in enumerate(self.names.members):
            if member.case_id == view.case_id:
                self.names.members[index] = view

    @workflow.update
    async def decide(self, cmd: ListDecisionCommand) -> ListDecisionResult:
        self.names.relayed_signatures.append(self._relayable(cmd))  # before the relay: a twin sent meanwhile is refused
        answers = await asyncio.gather(*(
            workflow.execute_activity_method(
                ListActivities.relay_list_decision, RelayInput(case_id=m.case_id, decision=cmd), **MEMBER_CALL
            )
            for m in cmd.members
        ))
        relayed = RelayedDecision(
            at=workflow.now(), stage=cmd.stage, official_id=cmd.official_id,
            key_id=cmd.signature.key_id if cmd.signature else None, members=len(cmd.members),
            excepted={e.case_id: e.outcome for e in cmd.exceptions},
            accepted=[a.case_id for a in answers if a.accepted],
            refused={a.case_id: a.reason or "refused" for a in answers if not a.accepted},
        )
        self.names.decisions.append(relayed)
        workflow.logger.info("list_decision_relayed", extra={
            "stage": cmd.stage, "official_id": cmd.official_id, "accepted": len(relayed.accepted),
            "refused": len(relayed.refused),
        })
        self.refresh_now = True
        return ListDecisionResult(list_id=self.names.list_id, stage=cmd.stage, accepted=relayed.accepted,
                                  refused=relayed.refused)

    @decide.validator
    def _validate_decide(self, cmd: ListDecisionCommand) -> None:
        """The list relays only a decision signed for it and its own members, lately, once (a refused
        one never reaches its history); whether the decision holds is each member's to check."""
        self._relayable(cmd)

    def _relayable(self, cmd: ListDecisionCommand) -> str:
        members = {m.case_id for m in self.names.members}
        return refusals_are_final(
            lambda: check_relay(cmd, self.names.list_id, members, self.names.relayed_signatures, workflow.now())
        )

    @workflow.query
    def state(self) -> ListState:
        return self.names
