"""The worker process: every exit workflow and the activities that do their I/O."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from activities.dossier_activities import DossierActivities
from activities.list_activities import ListActivities
from activities.notice_activities import NoticeActivities
from activities.registry.exits import real_exits
from activities.registry.store import RegistryStore
from activities.registry_activities import RegistryActivities
from activities.reminder_activities import ReminderActivities
from activities.supervision_activities import SupervisionActivities
from domain.reminder_policy import ReminderPolicy
from domain.policy import PolicyConfig
from workers.runner import workflow_runner
from workers.policy_loader import load_policy, load_reminder_policy, load_supervision_policy
from workers.settings import DEFAULT_TASK_QUEUE, PROJECT_ROOT, Settings
from workers.trust import WorkerTrust, load_trust
from workflows.registry import ALL_WORKFLOWS

WORKFLOWS = ALL_WORKFLOWS
ACTIVITY_THREADS = 8

log = structlog.get_logger(__name__)


def build_worker(
    client: Client, store: RegistryStore, policy: PolicyConfig, task_queue: str, executor: ThreadPoolExecutor,
    reminder_policy: ReminderPolicy | None = None, simulation: bool = False, *, trust: WorkerTrust,
) -> Worker:
    registry = RegistryActivities(store, policy, trust.root_public_key, simulation=simulation)
    notices = NoticeActivities(store, trust.root_public_key, policy.poverty_lines)
    dossiers = DossierActivities(store, trust)
    reminders = ReminderActivities(client, store, reminder_policy or load_reminder_policy(PROJECT_ROOT / "data"))
    supervision = SupervisionActivities(client, store)
    lists = ListActivities(client)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[
            registry.load_case,
            registry.load_signers,
            registry.check_list_openings,
            registry.planned_list_members,
            registry.record_exit,
            registry.record_enrollment,
            notices.issue_notice,
            notices.post_notice,
            notices.close_notice,
            dossiers.anchor_dossier,
            notices.store_objection_contact,
            notices.forget_objection_contact,
            reminders.sweep,
            supervision.list_exits,
            supervision.exit_traces,
            supervision.record_check,
            supervision.record_finding,
            supervision.record_decision,
            supervision.remind_verifiers,
            supervision.complete_check,
            lists.relay_list_decision,
            lists.relay_list_posting,
            lists.cases_held,
            lists.member_progress,
        ],
        activity_executor=executor,
        workflow_runner=workflow_runner(),
    )


class SimulationFenceError(Exception):
    """A simulation worker pointed at the production registry or task queue."""


def fence_simulation(store: RegistryStore) -> None:
    """A simulation worker writes exits decided on shortened notices: whatever the registry's URL,
    it must never write them beside real ones."""
    found = real_exits(store)
    if found:
        where = store.engine.url.render_as_string(hide_password=True)
        store.engine.dispose()
        raise SimulationFenceError(
            f"refusing to start: the registry {where} holds {found} real exit(s); a simulation worker "
            "runs only on a registry of its own (one with no exits, or only simulated ones)"
        )


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
    if settings.simulation:
        fence_simulation(store)
    trust = load_trust(settings.trust_dir)  # refuse to start without a pinned root
    with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as executor:
        worker = build_worker(
            client, store, policy, settings.task_queue, executor, reminder_policy, settings.simulation, trust=trust
        )
        async with worker:
            log.info("worker_started", task_queue=settings.task_queue, namespace=settings.namespace,
                     simulation=settings.simulation, admin_root=trust.root_public_key)
            await stop.wait()
        log.info("worker_stopped", task_queue=settings.task_queue)
