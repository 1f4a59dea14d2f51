"""The trust tests run on both servers: the time-skipping server for cases that must pass a notice,
and the dev server for what only a real Temporal server shows: an update its validator refuses adds
nothing to the workflow's history (the time-skipping server records a workflow task for it)."""

import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.conftest import TASK_QUEUE
from tests.support import small_registry
from tests.support.driver import CaseDriver
from workers.data_converter import DATA_CONVERTER
from workers.worker import build_worker
from workflows import search_attributes as sa

DEV_QUEUE = "tuopin-trust-dev"


@pytest.fixture
async def driver(ts_env, ts_worker, small_store, small_keys) -> CaseDriver:
    return CaseDriver(ts_env, small_store, TASK_QUEUE, small_keys)


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        data_converter=DATA_CONVERTER, search_attributes=sa.ALL,
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"), dev_server_log_level="error",
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def dev_worker(dev_env, small_store, small_keys, policy) -> AsyncIterator[None]:
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(dev_env.client, small_store, policy, DEV_QUEUE, executor,
                                trust=small_registry.trust(small_keys)):
            yield None


@pytest.fixture
async def dev_driver(dev_env, dev_worker, small_store, small_keys) -> CaseDriver:
    return CaseDriver(dev_env, small_store, DEV_QUEUE, small_keys)
