"""workers/sandbox.py reaches into the SDK's private sandbox instance to look serialization contexts
up without `exec`. These tests fail loudly when an SDK upgrade changes what that relies on, check that
the answers are the stock sandbox's, and that workflow code is still sandboxed."""

import asyncio
import sys
import uuid
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import CommandType, EventType
from temporalio.converter import WorkflowSerializationContext
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.worker._command_aware_visitor import CommandInfo
from temporalio.worker.workflow_sandbox._runner import _fake_info, _Instance

from tests.support.clock_reading_workflow import ClockReadingWorkflow
from workers.data_converter import DATA_CONVERTER
from workers.sandbox import DirectContextSandboxedWorkflowRunner, workflow_runner
from workflows.household_exit import HouseholdExitWorkflow


def sandboxed_household_instance() -> _Instance:
    """An instance as the worker makes them, on the SDK's own placeholder workflow info."""
    from temporalio.api.failure.v1 import Failure
    from temporalio.api.common.v1 import Payloads
    from temporalio.worker._workflow_instance import WorkflowInstanceDetails
    from temporalio.workflow import _Definition

    runner = workflow_runner()
    assert isinstance(runner, DirectContextSandboxedWorkflowRunner)
    return runner.create_instance(WorkflowInstanceDetails(
        payload_converter_factory=DATA_CONVERTER._new_payload_converter,
        failure_converter_class=DATA_CONVERTER.failure_converter_class,
        interceptor_classes=[], defn=_Definition.must_from_class(HouseholdExitWorkflow), info=_fake_info,
        randomness_seed=1, extern_functions={}, disable_eager_activity_execution=False,
        worker_level_failure_exception_types=[], patch_activation_callback=None,
        last_completion_result=Payloads(), last_failure=Failure(),
    ))


@pytest.mark.parametrize("command", [
    None,
    CommandInfo(command_type=CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK, command_seq=1),
    CommandInfo(command_type=CommandType.COMMAND_TYPE_START_TIMER, command_seq=3),
])
async def test_contexts_are_the_stock_sandboxes_answers(command):
    instance = sandboxed_household_instance()
    direct = instance.get_serialization_context(command)
    stock = _Instance.get_serialization_context(instance, command)  # the SDK's exec path
    assert direct == stock
    assert direct == WorkflowSerializationContext(namespace=_fake_info.namespace, workflow_id=_fake_info.workflow_id)
    assert instance.get_external_store_context(command) == _Instance.get_external_store_context(instance, command)


async def test_workflow_code_is_still_sandboxed():
    """Reading the clock inside a workflow fails its workflow task, as in the stock sandbox. On a
    server of its own: a workflow task that keeps failing is no guest for the shared one."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(Path(sys.executable).parent / "temporal-test-server"), data_converter=DATA_CONVERTER
    )
    failure = None
    try:
        queue = f"sandbox-{uuid.uuid4()}"
        async with Worker(env.client, task_queue=queue, workflows=[ClockReadingWorkflow], workflow_runner=workflow_runner()):
            handle = await env.client.start_workflow(ClockReadingWorkflow.run, id=f"clock-{uuid.uuid4()}", task_queue=queue)
            for _ in range(100):
                async for event in handle.fetch_history_events():
                    if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                        failure = event.workflow_task_failed_event_attributes.failure.message
                if failure:
                    break
                await asyncio.sleep(0.05)
    finally:
        await env.shutdown()
    assert failure is not None and "datetime.datetime.now" in failure, failure
