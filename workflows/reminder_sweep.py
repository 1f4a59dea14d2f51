"""The daily reminder sweep, started by the `tuopin-reminders` Schedule (in the county's time zone)."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.reminder_activities import ReminderActivities, SweepInput, SweepResult
    from workflows.timeouts import REGISTRY_RETRY

SCHEDULE_ID = "tuopin-reminders"


@workflow.defn
class ReminderSweepWorkflow:
    @workflow.run
    async def run(self) -> SweepResult:
        return await workflow.execute_activity_method(
            ReminderActivities.sweep,
            SweepInput(now=workflow.now()),
            start_to_close_timeout=timedelta(hours=2),
            heartbeat_timeout=timedelta(minutes=2),
            retry_policy=REGISTRY_RETRY,
        )
