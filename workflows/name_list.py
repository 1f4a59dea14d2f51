"""名单: a list of household cases an official signs once at a stage (docs/lists.md).

The members are ordinary exit cases, addressed by id: each keeps its consent, objections, return or
rejection, 销号 and dossier whole, and a case that is on no list works as before. This workflow only
relays a signed list decision to each member (an update the member verifies itself, as it would a
single decision: workflows/list_member.py), and likewise the list's one notice posting (the village
records it once for the whole list: domain/list_notice.py), and keeps what it last saw of its members, to derive the
list's stage and to end when every member has ended. A member's refusal, return or rejection never
holds up the others.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.errors import refusals_are_final
    from activities.list_activities import (
        ListActivities,
        ListOpeningsInput,
        MembersInput,
        OpeningRefusals,
        RelayAnswer,
        RelayInput,
        RelayPostingInput,
    )
    from activities.registry_activities import RegistryActivities
    from domain.list_notice import ListPostingCommand
    from domain.list_relay import check_relay
    from domain.list_state import ListDecisionResult, ListState, MemberView, OpenListInput, RelayedDecision
    from domain.case_ids import case_id
    from domain.name_lists import ListDecisionCommand
    from workflows.registry_steps import registry_step

# How often the list reads where its members stand, besides right after it relays a decision: the
# members move on their own (consent, the notice's timer), and the list ends once all of them ended.
REFRESH = timedelta(days=1)
CONTINUE_AFTER_EVENTS = 5000
# How long a checked list waits for the starter to say its members were opened before it reads them
# anyway (a starter that died half-way leaves the members it opened to be read by the daily refresh).
OPENING_WAIT = timedelta(minutes=10)
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
                planned=inp.planned, opened_by=inp.opened_by, opened_at=workflow.now(),
                members=[MemberView(case_id=c, stage="") for c in inp.members],
            )
        self.opening = inp
        self.refresh_now = True
        self.check: OpeningRefusals | None = None
        self.members_opened = False

    @workflow.run
    async def run(self, inp: OpenListInput) -> dict:
        if (inp.units is not None or inp.planned) and inp.carried is None:
            await self._check_openings(inp)
        while True:
            try:
                await workflow.wait_condition(lambda: self.refresh_now, timeout=REFRESH)
            except asyncio.TimeoutError:
                pass
            self.refresh_now = False
            await self._refresh()
            if self.names.status != "open" and not self._unseen():
                break
            if workflow.info().get_current_history_length() >= CONTINUE_AFTER_EVENTS:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self.opening.model_copy(update={"carried": self.names.model_dump(mode="json")}))
        await workflow.wait_condition(workflow.all_handlers_finished)
        self.names.closed_at = workflow.now()
        return {"list_id": self.names.list_id, "members": {m.case_id: m.status for m in self.names.members}}

    async def _check_openings(self, inp: OpenListInput) -> None:
        """名单 opened all or nothing: every member is checked (the registry's checks of an opening, and
        that no member has a case already) before the starter opens any. A refusal fails this run,
        naming each refused unit: nothing was opened, and the list id stays free for a corrected list.
        A planned list (--planned) first chooses its members: the unit's units planned for the year
        that meet the criteria and have no case yet; the others are left out, named."""
        asked = ListOpeningsInput(exit_type=inp.exit_type, unit_id=inp.unit_id, year=inp.year, units=inp.units or [],
                                  designation=inp.designation)
        if inp.planned:
            chosen = await registry_step(RegistryActivities.planned_list_members, asked)
            units, left_out, refused = chosen.units, dict(chosen.left_out), dict(chosen.refused)
            members = [case_id(inp.exit_type, u, inp.year) for u in units]  # type: ignore[arg-type]
        else:
            by_registry = await registry_step(RegistryActivities.check_list_openings, asked)
            units, left_out, refused, members = list(inp.units or []), {}, dict(by_registry.refused), list(inp.members)
        held = await workflow.execute_activity_method(
            ListActivities.cases_held, MembersInput(case_ids=members), **MEMBER_CALL)
        unit_of = dict(zip(members, units))
        for held_case, reason in held.refused.items():
            (left_out if inp.planned else refused)[unit_of[held_case]] = reason
        if inp.planned:
            units = [u for u in units if u not in left_out]
            if not units and not refused:
                refused[inp.unit_id] = (f"no household of {inp.unit_id} is planned to exit in {inp.year}, meets the "
                                        "criteria and has no case yet")
            self.names.members = [MemberView(case_id=case_id(inp.exit_type, u, inp.year), stage="")  # type: ignore[arg-type]
                                  for u in units]
        self.check = OpeningRefusals(refused={u: refused[u] for u in [*units, *refused] if u in refused},
                                     units=units, left_out=left_out)
        if self.check.refused:
            await workflow.wait_condition(workflow.all_handlers_finished)
            raise ApplicationError(
                "no case was opened; refused: " + "; ".join(f"{u}: {r}" for u, r in self.check.refused.items()),
                type="MembersRefused", non_retryable=True,
            )
        try:
            await workflow.wait_condition(lambda: self.members_opened, timeout=OPENING_WAIT)
        except asyncio.TimeoutError:
            workflow.logger.warning("list_members_not_reported_opened")

    @workflow.update
    async def checked(self) -> OpeningRefusals:
        """Answers the starter once every member was checked: the refused units, with their reasons."""
        await workflow.wait_condition(lambda: self.check is not None)
        assert self.check is not None
        return self.check

    @workflow.update
    def opened(self, not_opened: dict[str, str]) -> None:
        """The starter opened the members; those it could not (case id -> reason) are shown as not
        opened until the list sees their case (the list never ends on this report alone)."""
        for index, member in enumerate(self.names.members):
            if member.case_id in not_opened:
                self.names.members[index] = member.model_copy(update={"status": "not_opened"})
        self.members_opened = True
        self.refresh_now = True

    @opened.validator
    def _validate_opened(self, not_opened: dict[str, str]) -> None:
        if self.check is None or self.check.refused or self.members_opened:
            raise ApplicationError("the list's members were reported opened already, or it is not opening them",
                                   type="NotOpening", non_retryable=True)
        strangers = sorted(set(not_opened) - {m.case_id for m in self.names.members})
        if strangers:
            raise ApplicationError(f"not members of {self.names.list_id}: {', '.join(strangers)}",
                                   type="NotOnList", non_retryable=True)

    def _unseen(self) -> list[str]:
        """Members reported not opened: the list reads them on, as the report is not signed (anyone
        can send an update), and does not end while one of them is unseen."""
        return [m.case_id for m in self.names.members if m.status == "not_opened"]

    async def _refresh(self) -> None:
        ids = [m.case_id for m in self.names.open_members()] + self._unseen() or [m.case_id for m in self.names.members]
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
        return self._relayed("decision", cmd.stage, cmd.official_id, cmd.signature, len(cmd.members), answers,
                             excepted={e.case_id: e.outcome for e in cmd.exceptions})

    @decide.validator
    def _validate_decide(self, cmd: ListDecisionCommand) -> None:
        """The list relays only a decision signed for it and its own members, lately, once (a refused
        one never reaches its history); whether the decision holds is each member's to check."""
        self._relayable(cmd)

    @workflow.update
    async def notice_posted(self, cmd: ListPostingCommand) -> ListDecisionResult:
        """The list's one notice posted (公示): relayed to each member it covers, which records it as its
        own posting once it has checked the signature itself."""
        self.names.relayed_signatures.append(self._relayable(cmd))  # before the relay: a twin sent meanwhile is refused
        answers = await asyncio.gather(*(
            workflow.execute_activity_method(
                ListActivities.relay_list_posting, RelayPostingInput(case_id=m.case_id, posting=cmd), **MEMBER_CALL
            )
            for m in cmd.members
        ))
        return self._relayed("posting", cmd.stage, cmd.official_id, cmd.signature, len(cmd.members), answers)

    @notice_posted.validator
    def _validate_notice_posted(self, cmd: ListPostingCommand) -> None:
        self._relayable(cmd)

    def _relayable(self, cmd: ListDecisionCommand | ListPostingCommand) -> str:
        members = {m.case_id for m in self.names.members}
        return refusals_are_final(
            lambda: check_relay(cmd, self.names.list_id, members, self.names.relayed_signatures, workflow.now())
        )

    def _relayed(self, kind: str, stage: str, official_id: str, signature, members: int, answers: list[RelayAnswer],
                 excepted: dict[str, str] | None = None) -> ListDecisionResult:
        relayed = RelayedDecision(
            kind=kind, at=workflow.now(), stage=stage, official_id=official_id,
            key_id=signature.key_id if signature else None, members=members, excepted=excepted or {},
            accepted=[a.case_id for a in answers if a.accepted],
            refused={a.case_id: a.reason or "refused" for a in answers if not a.accepted},
        )
        self.names.decisions.append(relayed)
        workflow.logger.info(f"list_{kind}_relayed", extra={
            "stage": stage, "official_id": official_id, "accepted": len(relayed.accepted),
            "refused": len(relayed.refused),
        })
        self.refresh_now = True
        return ListDecisionResult(list_id=self.names.list_id, stage=stage, accepted=relayed.accepted,
                                  refused=relayed.refused)

    @workflow.query
    def state(self) -> ListState:
        return self.names
