"""The worker process: every exit workflow and the activities that do their I/O."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from activities.notice_activities import NoticeActivities
from activities.registry.store import RegistryStore
from activities.registry_activities import RegistryActivities
from activities.reminder_activities import ReminderActivities
from activities.supervision_activities import SupervisionActivities
from domain.reminder_policy import ReminderPolicy
from domain.policy import PolicyConfig
from workers import payload_passes
from workers.sandbox import workflow_runner
from workers.policy_loader import load_policy, load_reminder_policy, load_supervision_policy
from workers.settings import DEFAULT_TASK_QUEUE, PROJECT_ROOT, Settings
from workflows.registry import ALL_WORKFLOWS

WORKFLOWS = ALL_WORKFLOWS
ACTIVITY_THREADS = 8

log = structlog.get_logger(__name__)


def build_worker(
    client: Client, store: RegistryStore, policy: PolicyConfig, task_queue: str, executor: ThreadPoolExecutor,
    reminder_policy: ReminderPolicy | None = None, simulation: bool = False,
) -> Worker:
    registry = RegistryActivities(store, policy, simulation=simulation)
    notices = NoticeActivities(store)
    reminders = ReminderActivities(client, store, reminder_policy or load_reminder_policy(PROJECT_ROOT / "data"))
    supervision = SupervisionActivities(client, store)
    payload_passes.install()
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[
            registry.load_case,
            registry.load_roster,
            registry.load_signers,
            registry.signer_keys,
            registry.record_exit,
            notices.post_notice,
            notices.close_notice,
            notices.store_objection_contact,
            notices.forget_objection_contact,
            reminders.sweep,
            supervision.list_exits,
            supervision.exit_traces,
            supervision.record_check,
            supervision.record_finding,
            supervision.remind_verifiers,
            supervision.complete_check,
        ],
        activity_executor=executor,
        workflow_runner=workflow_runner(),
    )


class SimulationFenceError(Exception):
    """A simulation worker pointed at the production registry or task queue."""


async def run_worker(settings: Settings, client: Client, stop: asyncio.Event) -> None:
    if settings.simulation and (
        settings.registry == settings.production_registry or settings.task_queue == DEFAULT_TASK_QUEUE
    ):
        raise SimulationFenceError(
            "a simulation worker runs on its own task queue and registry file, never the production ones"
        )
    policy = load_policy(settings.data_dir)
    reminder_policy = load_reminder_policy(settings.data_dir)
    load_supervision_policy(settings.data_dir)  # refuse a buffer shorter than the policy's
    store = RegistryStore.from_url(settings.registry)
    store.create_schema()
    with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as executor:
        worker = build_worker(client, store, policy, settings.task_queue, executor, reminder_policy, settings.simulation)
        async with worker:
            log.info("worker_started", task_queue=settings.task_queue, namespace=settings.namespace,
                     simulation=settings.simulation)
            await stop.wait()
        log.info("worker_stopped", task_queue=settings.task_queue)
