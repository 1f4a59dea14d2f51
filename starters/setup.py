"""`tuopin setup`: what a Temporal server needs before tuopin runs on it, idempotently: the search
attributes and the daily reminder Schedule (08:00 in the county's time zone, domain/county.py)."""

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from domain.county import TIME_ZONE_NAME
from starters.search_attribute_setup import register_search_attributes
from workers.settings import Settings
from workflows.reminder_sweep import SCHEDULE_ID, ReminderSweepWorkflow

REMINDER_HOUR = 8  # local time, when officials start work


def reminder_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ReminderSweepWorkflow.run, id="tuopin-reminder-sweep", task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(REMINDER_HOUR)], minute=[ScheduleRange(0)], second=[ScheduleRange(0)])],
            time_zone_name=TIME_ZONE_NAME,
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_setup(client: Client, settings: Settings) -> dict[str, object]:
    added = await register_search_attributes(client, settings.namespace)
    schedule = reminder_schedule(settings)
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
        created = True
    except ScheduleAlreadyRunningError:
        def _replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(SCHEDULE_ID).update(_replace)
        created = False
    return {"search_attributes_added": added, "schedule": SCHEDULE_ID, "schedule_created": created}
