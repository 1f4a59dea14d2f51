"""How workflow code calls the registry: a local activity first, inside the workflow task that needs
it, then, while the registry keeps failing, a regular activity that operators can watch retry (a
local activity's retries are invisible in the Web UI)."""

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from workflows.timeouts import REGISTRY_CALL, REGISTRY_LOCAL_FIRST


def is_refusal(err: FailureError) -> bool:
    """The registry answered no (not found, already exited): asking again would change nothing."""
    cause = err.cause if isinstance(err, ActivityError) else err
    return isinstance(cause, ApplicationError) and (
        cause.non_retryable or cause.type in (REGISTRY_CALL["retry_policy"].non_retryable_error_types or [])
    )


async def registry_step(activity: Any, arg: Any) -> Any:
    """One registry step (`activity` is an activity method of activities/, called with `arg`)."""
    try:
        return await workflow.execute_local_activity_method(activity, arg, **REGISTRY_LOCAL_FIRST)
    except FailureError as err:  # a local activity's failure comes unwrapped (no ActivityError)
        if is_refusal(err):
            raise
        workflow.logger.warning("registry_step_retrying", extra={"step": activity.__name__})
    return await workflow.execute_activity_method(activity, arg, **REGISTRY_CALL)
