"""The Temporal client helpers the CLI and the tests share, and the translation of its errors."""

import functools
import logging
from collections.abc import Awaitable
from datetime import timedelta
from typing import TypeVar

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
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


@functools.cache
def _runtime() -> Runtime:
    """The SDK core's own log lines go to Python logging (stderr), never stdout, where `--json` goes.
    One per process, like the SDK's default runtime."""
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
    )))


async def connect(settings: Settings) -> Client:
    try:
        converter = data_converter(settings)
    except ConnectionConfigError as exc:  # a missing codec key ring: a usage error, not unreachable
        raise BadUsage(exc.message, kind="codec_keys") from None
    try:
        return await Client.connect(**connect_kwargs(settings), data_converter=converter, runtime=_runtime())
    except Exception as exc:  # the SDK raises plain RuntimeError for a refused connection
        raise Unreachable(f"cannot reach the Temporal server at {settings.address}: {exc}") from None


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
                f"case {case_id} did not answer in time ({exc.message}): is a `tuopin worker` running for its task queue?"
            ) from None
        if exc.status == RPCStatusCode.UNAVAILABLE:
            raise Unreachable(f"the Temporal server did not answer: {exc.message}") from None
        raise Refused(f"the server refused: {exc.message}") from None


def _duplicate(case_id: str) -> Refused:
    return Refused(f"case {case_id} already exists: one case per unit and year", kind="duplicate_case")


async def query(handle: WorkflowHandle, name: str, result_type: type[T]) -> T:
    """Asks a case (or a spot check) something through its workers, within QUERY_TIMEOUT."""
    return await call(handle.id, handle.query(name, result_type=result_type, rpc_timeout=QUERY_TIMEOUT))
