"""The daily sweep: cases waiting past their limit get a reminder to whoever is awaited, and past the
second limit an escalation to the level above. Each goes to the outbox once, is logged, and is
told to the case so `show` and the dossier list it."""

from datetime import datetime, timedelta

import structlog
from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError

from activities.case_queries import still_awaited
from activities.registry.outbox import add_to_outbox, parent_jurisdiction
from activities.registry.store import RegistryStore
from domain.messages import ReminderCommand
from domain.reminder_policy import ESCALATE_TO, ReminderPolicy, level_of
from pydantic import BaseModel, ConfigDict
from workflows import search_attributes as sa

log = structlog.get_logger(__name__)
ASK_CASE = timedelta(seconds=30)  # the worker running this sweep answers; a slow answer fails the sweep's attempt


class SweepInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    now: datetime


class SweepResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    cases_seen: int
    reminders: int
    escalations: int


class ReminderActivities:
    def __init__(self, client: Client, store: RegistryStore, policy: ReminderPolicy) -> None:
        self.client = client
        self.store = store
        self.policy = policy

    @activity.defn
    async def sweep(self, inp: SweepInput) -> SweepResult:
        seen = reminders = escalations = 0
        query = f"CaseStatus = 'open' AND {sa.AWAITING_SINCE.name} < '{inp.now.isoformat()}'"
        async for execution in self.client.list_workflows(query):
            attrs = execution.typed_search_attributes
            since, stage, awaiting = attrs.get(sa.AWAITING_SINCE), attrs.get(sa.CASE_STAGE), attrs.get(sa.AWAITING)
            if since is None or stage is None or not awaiting:
                continue
            seen += 1
            activity.heartbeat(seen)
            due = self.policy.due(stage, since, inp.now)
            if due and len(awaiting) > 1:  # Awaiting names everyone the wait began with: remind only
                still = await still_awaited(self.client, execution.id, ASK_CASE)  # those still needed
                awaiting = [key for key in awaiting if key in still]
            for kind in due:
                recipients = list(awaiting) if kind == "reminder" else self._escalation_recipients(list(awaiting))
                for recipient in recipients:
                    if not add_to_outbox(self.store, execution.id, kind, recipient, stage, since, inp.now):
                        continue
                    log.info("reminder_queued", case_id=execution.id, kind=kind, recipient=recipient, stage=stage)
                    await self._tell_case(execution.id, ReminderCommand(
                        kind=kind, recipient=recipient, stage=stage, waiting_since=since))
                    if kind == "reminder":
                        reminders += 1
                    else:
                        escalations += 1
        return SweepResult(cases_seen=seen, reminders=reminders, escalations=escalations)

    async def _tell_case(self, case_id: str, cmd: ReminderCommand) -> None:
        """The case records the reminder; one whose wait has ended, or that it holds already, it refuses."""
        try:
            await self.client.get_workflow_handle(case_id).execute_update("record_reminder", cmd)
        except WorkflowUpdateFailedError as exc:
            log.info("reminder_not_recorded", case_id=case_id, reason=str(exc.cause))

    def _escalation_recipients(self, awaiting: list[str]) -> list[str]:
        recipients: list[str] = []
        for key in awaiting:
            role, _, jurisdiction = key.partition("@")
            target = ESCALATE_TO.get(level_of(role))
            parent = parent_jurisdiction(self.store, jurisdiction) if target else None
            if target and parent:
                recipients.extend(f"{r.value}@{parent}" for r in target[1] if f"{r.value}@{parent}" not in recipients)
        return recipients
