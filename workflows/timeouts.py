"""Activity timeouts and retry policies, named once."""

from datetime import timedelta

from temporalio.common import RetryPolicy

from domain.refusals import REFUSAL_TYPES

# The registry may be down for maintenance for hours; keep retrying, but not in a hot loop.
REGISTRY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=[t.__name__ for t in REFUSAL_TYPES] + ["ExitConflict"],
)
REGISTRY_CALL = {"start_to_close_timeout": timedelta(seconds=60), "retry_policy": REGISTRY_RETRY}

# Look-ups inside an update handler (an official's keys): a local activity, no extra workflow task.
REGISTRY_LOCAL_CALL = {"start_to_close_timeout": timedelta(seconds=10), "retry_policy": REGISTRY_RETRY}
