"""The Temporal client helpers the CLI and the tests share, and the translation of its errors."""

import asyncio
import functools
import logging
from collections.abc import Awaitable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.runtime import LogForwardingConfig, LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.service import RPCError, RPCStatusCode

from starters.errors import BadUsage, Refused, Unreachable
from workers.connection import ConnectionConfigError, connect_kwargs, data_converter
from workers.settings import Settings

T = TypeVar("T")
# A query is answered by a worker; with none running the server holds it for 30 s and the SDK gives up
# with a bare "Timeout expired". The CLI gives up sooner and says what is missing.
QUERY_TIMEOUT = timedelta(seconds=10)
# A running worker polls its task queue again at least once a minute (the server's long poll ends
# after one); the server keeps a stopped worker's last poll on show for minutes. A queue whose newest
# poll is older than this has no worker.
LIVE_POLL_WINDOW = timedelta(seconds=90)
# How long an update waits for a worker to take it before the CLI stops waiting and says so. A
# running worker answers in well under a second; without this bound the SDK waits forever.
UPDATE_WAIT = timedelta(seconds=20)
CONNECT_WAIT = timedelta(seconds=15)
START_SERVER = "start it with `make run` (or `tuopin serve`), or point --address / TEMPORAL_ADDRESS at a running one"
WORKER_RUNNING = "is `tuopin worker` running?"
START_WORKER = f"{WORKER_RUNNING} Start it (or `make run`) and try again"


@functools.cache
def _runtime() -> Runtime:
    """The SDK core's own log lines go to Python logging (stderr), never stdout, where `--json` goes.
    One per process, like the SDK's default runtime."""
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
    )))


async def connect(settings: Settings, *, may_create_codec_keys: bool = False, reads_payloads: bool = True) -> Client:
    """A client of the server: reached first (exit 3 if it cannot be), then given the codec key ring.

    Only a worker (and `setup`) may create the ring on a local server (``may_create_codec_keys``):
    any other command talks to running workers, which hold it already; a ring of its own would only
    write what no worker can read, and a command that reads creates no file. A command that reads no
    payload (``reads_payloads=False``: `list` reads search attributes only) needs no ring at all."""
    from workers.data_converter import DATA_CONVERTER

    try:
        plain = await asyncio.wait_for(
            Client.connect(**connect_kwargs(settings), data_converter=DATA_CONVERTER, runtime=_runtime()),
            CONNECT_WAIT.total_seconds(),
        )
    except Exception as exc:  # the SDK raises plain RuntimeError for a refused connection
        raise Unreachable(
            f"cannot reach the Temporal server at {settings.address} ({_why(exc)}): {START_SERVER}", kind="server_unreachable"
        ) from None
    if not reads_payloads and not settings.codec_key_file.exists():
        return plain
    if not may_create_codec_keys and not settings.codec_key_file.exists():
        raise BadUsage(
            f"no codec key ring at {settings.codec_key_file}: this is not the home of the running `make run` / "
            "`tuopin worker`; pass its folder with --home (or TUOPIN_HOME), or the ring with TUOPIN_CODEC_KEYS",
            kind="codec_keys",
        )
    try:
        converter = data_converter(settings)
    except ConnectionConfigError as exc:  # an unusable codec key ring: a usage error, not unreachable
        raise BadUsage(exc.message, kind="codec_keys") from None
    return Client(plain.service_client, namespace=plain.namespace, data_converter=converter)


def _why(exc: BaseException) -> str:
    """The SDK's reason (a Rust transport error, one long line) in a few words."""
    text = str(exc)
    if isinstance(exc, TimeoutError):
        return f"no answer within {CONNECT_WAIT.seconds} s"
    if "ConnectionRefused" in text or "Connection refused" in text:
        return "nothing listens there"
    if "dns error" in text:
        return "no such host"
    if "tls" in text.lower() or "certificate" in text.lower():
        return "the TLS handshake failed"
    if "timed out" in text.lower() or "Timeout" in text:
        return "no answer in time"
    return "it does not answer as a Temporal server"


def no_worker(task_queue: str, consequence: str) -> Unreachable:
    return Unreachable(f"no worker is running for the task queue {task_queue!r}, so {consequence}: {START_WORKER}",
                       kind="no_worker")


async def require_worker(client: Client, task_queue: str, consequence: str) -> None:
    """Refuses (exit 3) before anything is sent when no worker polls ``task_queue``: an update nobody
    takes would wait, and be applied whenever a worker next starts. A server that cannot tell (the
    time-skipping test server) is taken at its word that a worker may be there: the waits are bounded."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    request = DescribeTaskQueueRequest(
        namespace=client.namespace, task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    try:
        described = await client.workflow_service.describe_task_queue(request, timeout=QUERY_TIMEOUT)
    except RPCError as exc:
        if exc.status == RPCStatusCode.UNIMPLEMENTED:
            return
        raise _unreachable_or_refused(exc) from None
    polls = [p.last_access_time.ToDatetime(timezone.utc) for p in described.pollers if p.HasField("last_access_time")]
    # compared with this machine's clock: a server whose clock runs ahead (a demo clock) only looks busier
    if not polls or datetime.now(timezone.utc) - max(polls) > LIVE_POLL_WINDOW:
        raise no_worker(task_queue, consequence)


async def require_case_worker(client: Client, case_id: str, consequence: str) -> None:
    """As ``require_worker``, for the task queue the case runs on (which says "no case" for an unknown one)."""
    described = await call(case_id, client.get_workflow_handle(case_id).describe(rpc_timeout=QUERY_TIMEOUT))
    await require_worker(client, described.task_queue, consequence)


def not_applied(case_id: str) -> Unreachable:
    return Unreachable(
        f"sent, not yet applied: no worker took it within {UPDATE_WAIT.seconds} s ({WORKER_RUNNING}); "
        f"it will be applied when one does, unless the case refuses it then: see `tuopin show {case_id}` "
        "before sending it again",
        kind="not_applied",
    )


async def update(handle: WorkflowHandle, name: str, arg: Any, result_type: type[T]) -> T:
    """Sends an update and waits for the case's answer, at most UPDATE_WAIT."""
    try:
        return await call(handle.id, asyncio.wait_for(
            handle.execute_update(name, arg, result_type=result_type, rpc_timeout=UPDATE_WAIT),
            UPDATE_WAIT.total_seconds(),
        ))
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        raise not_applied(handle.id) from None


async def call(case_id: str, awaitable: Awaitable[T]) -> T:
    """Runs one client call and turns what the server says into a refusal or an unreachable error."""
    try:
        return await awaitable
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError):
            raise Refused(cause.message, kind=cause.type or "refused") from None
        raise Refused(f"case {case_id} refused the update: {cause}") from None
    except WorkflowAlreadyStartedError:
        raise _duplicate(case_id) from None
    except RPCError as exc:
        if exc.status == RPCStatusCode.ALREADY_EXISTS:  # (a start-with-update the server refused as a whole)
            raise _duplicate(case_id) from None
        if exc.status == RPCStatusCode.NOT_FOUND:
            if "completed" in exc.message or "closed" in exc.message:
                raise Refused(f"case {case_id} is closed; nothing more can be done", kind="CaseNotOpen") from None
            raise Refused(f"no case {case_id}", kind="unknown_case") from None
        if exc.status == RPCStatusCode.DEADLINE_EXCEEDED or (exc.status == RPCStatusCode.CANCELLED and "Timeout" in exc.message):
            raise Unreachable(
                f"case {case_id} did not answer within {QUERY_TIMEOUT.seconds} s: {START_WORKER}", kind="no_worker"
            ) from None
        if exc.status == RPCStatusCode.FAILED_PRECONDITION and "no poller" in exc.message:
            raise Unreachable(f"no worker answers for case {case_id}: {START_WORKER}", kind="no_worker") from None
        raise _unreachable_or_refused(exc) from None


def _unreachable_or_refused(exc: RPCError) -> Unreachable | Refused:
    if exc.status == RPCStatusCode.UNAVAILABLE:
        return Unreachable(f"the Temporal server stopped answering ({_why(exc)}): is it still running? "
                           "Start it with `make run`", kind="server_unreachable")
    return Refused(f"the server refused: {exc.message}")


def _duplicate(case_id: str) -> Refused:
    return Refused(f"case {case_id} already exists: one case per unit and year", kind="duplicate_case")


async def query(handle: WorkflowHandle, name: str, result_type: type[T]) -> T:
    """Asks a case (or a spot check) something through its workers, within QUERY_TIMEOUT."""
    return await call(handle.id, handle.query(name, result_type=result_type, rpc_timeout=QUERY_TIMEOUT))
