"""What a list's workflow does to its member cases (名单, docs/lists.md): relays a signed list
decision, or the list's one signed notice posting, to each member as an update (the member verifies
it itself), and reads where each stands."""

from datetime import timedelta

from pydantic import BaseModel, ConfigDict
from temporalio import activity
from temporalio.client import Client, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from domain.list_notice import ListPostingCommand
from domain.list_state import MemberView
from domain.messages import CaseAck
from domain.name_lists import ListDecisionCommand
from domain.progress import CaseProgress

ASK_MEMBER = timedelta(seconds=30)


class RelayInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    decision: ListDecisionCommand


class RelayPostingInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    posting: ListPostingCommand


class RelayAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    accepted: bool
    stage: str | None = None
    status: str | None = None
    reason: str | None = None


class MembersInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_ids: list[str]


class MembersSeen(BaseModel):
    model_config = ConfigDict(frozen=True)

    members: list[MemberView]


class ListOpeningsInput(BaseModel):
    """The units a list would open a case for, checked before any is opened (docs/lists.md)."""

    model_config = ConfigDict(frozen=True)

    exit_type: str
    unit_id: str  # the list's village (or township)
    year: int
    units: list[str]
    designation: str | None = None  # a village list's


class OpeningRefusals(BaseModel):
    """Each unit whose case would be refused, with the reason (empty: every one may open); for a
    planned list (--planned), the units chosen and those left out of it, with the reason."""

    model_config = ConfigDict(frozen=True)

    refused: dict[str, str]
    units: list[str] = []
    left_out: dict[str, str] = {}


# A case id held by an execution in one of these states cannot be opened again (cases start with
# ALLOW_DUPLICATE_FAILED_ONLY): a case is open, or ended with its unit and year held.
_HELD = ("RUNNING", "COMPLETED", "CONTINUED_AS_NEW")


class ListActivities:
    def __init__(self, client: Client) -> None:
        self.client = client

    @activity.defn
    async def relay_list_decision(self, inp: RelayInput) -> RelayAnswer:
        return await self._relay(inp.case_id, "list_decide", inp.decision)

    @activity.defn
    async def relay_list_posting(self, inp: RelayPostingInput) -> RelayAnswer:
        return await self._relay(inp.case_id, "list_notice_posted", inp.posting)

    async def _relay(self, case_id: str, update: str, message: object) -> RelayAnswer:
        """The member's own answer: accepted, or refused with its reason (a refusal is an answer, not
        a failure: one member's refusal never holds up the others)."""
        handle = self.client.get_workflow_handle(case_id)
        try:
            ack = await handle.execute_update(update, message, result_type=CaseAck, rpc_timeout=ASK_MEMBER)
        except WorkflowUpdateFailedError as exc:
            return RelayAnswer(case_id=case_id, accepted=False, reason=str(exc.cause or exc))
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return RelayAnswer(case_id=case_id, accepted=False, reason="the case is closed or does not exist")
            raise
        return RelayAnswer(case_id=case_id, accepted=True, stage=ack.stage, status=ack.status)

    @activity.defn
    async def cases_held(self, inp: MembersInput) -> OpeningRefusals:
        """The member case ids that already have a case (open, or ended with its unit and year held)."""
        held = {}
        for n, case_id in enumerate(inp.case_ids):
            activity.heartbeat(n)
            try:
                described = await self.client.get_workflow_handle(case_id).describe(rpc_timeout=ASK_MEMBER)
            except RPCError as exc:
                if exc.status == RPCStatusCode.NOT_FOUND:
                    continue
                raise
            if described.status is not None and described.status.name in _HELD:
                held[case_id] = f"already has a case ({case_id}, {described.status.name.lower()})"
        return OpeningRefusals(refused=held)

    @activity.defn
    async def member_progress(self, inp: MembersInput) -> MembersSeen:
        seen = []
        for n, case_id in enumerate(inp.case_ids):
            activity.heartbeat(n)
            try:
                p = await self.client.get_workflow_handle(case_id).query(
                    "progress", result_type=CaseProgress, rpc_timeout=ASK_MEMBER
                )
            except WorkflowQueryFailedError:
                continue
            except RPCError as exc:
                if exc.status == RPCStatusCode.NOT_FOUND:
                    continue
                raise
            seen.append(MemberView(case_id=case_id, stage=p.stage, status=p.status, pass_id=p.pass_id))
        return MembersSeen(members=seen)
