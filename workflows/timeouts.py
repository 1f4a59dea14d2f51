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

# A registry step is first tried as a local activity, inside the workflow task that needs it, a few
# times within seconds. If the registry keeps failing, the step goes on as a regular activity with
# REGISTRY_CALL: the Web UI then lists it as pending, with its attempts and last failure, for as long
# as the outage lasts (a local activity's retries are invisible to operators).
REGISTRY_LOCAL_FIRST = {
    "start_to_close_timeout": timedelta(seconds=15),  # past SQLite's 10 s busy wait
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(milliseconds=500),
        backoff_coefficient=2.0,
        maximum_attempts=3,
        non_retryable_error_types=REGISTRY_RETRY.non_retryable_error_types,
    ),
}
