"""Real servers for the tests: the time-skipping test server and a registry in a temporary SQLite file."""

import itertools
import sys
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.registry.store import RegistryStore
from starters.search_attribute_setup import register_search_attributes
from starters.signer import SIGNING_TIME
from tests.support import small_registry
from workers.data_converter import DATA_CONVERTER
from workers.policy_loader import load_policy
from workers.settings import PROJECT_ROOT
from workers.worker import build_worker

BIN = Path(sys.executable).parent
TASK_QUEUE = "tuopin-test"


@pytest.fixture(scope="session")
def policy():
    return load_policy(PROJECT_ROOT / "data")


@pytest.fixture(scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"), data_converter=DATA_CONVERTER
    )
    await register_search_attributes(env.client, env.client.namespace)
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
def small_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory, small_keys: Path) -> RegistryStore:
    store = RegistryStore.from_url(f"sqlite:///{tmp_path_factory.mktemp('registry') / 'small.db'}")
    small_registry.build(store, small_keys)
    return store


@pytest.fixture(scope="session")
async def ts_worker(ts_env: WorkflowEnvironment, small_store: RegistryStore, small_keys: Path, policy) -> AsyncIterator[Worker]:
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(ts_env.client, small_store, policy, TASK_QUEUE, executor, trust=small_registry.trust(small_keys))
        async with worker:
            yield worker


_own_queues = itertools.count(1)


@pytest.fixture
async def unit_driver(ts_env: WorkflowEnvironment, policy, tmp_path: Path) -> AsyncIterator["CaseDriver"]:
    """A case driver on a small registry of its own (first working year 2017) with its own worker: a
    test that moves the working year forward (`unit_driver.working_year(Y)`) leaves the shared
    registry's year alone, since a working year never goes back."""
    from tests.support.driver import CaseDriver

    keys = tmp_path / "keys"
    keys.mkdir()
    store = RegistryStore.from_url(f"sqlite:///{tmp_path / 'registry.db'}")
    small_registry.build(store, keys)
    queue = f"{TASK_QUEUE}-own-{next(_own_queues)}"
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(ts_env.client, store, policy, queue, executor, trust=small_registry.trust(keys)):
            driver = CaseDriver(ts_env, store, queue, keys)
            yield driver
            await driver.end_cases()


_eligible = itertools.count(1)


@pytest.fixture
def household() -> Iterator[str]:
    """A fresh eligible household of the small registry for each test."""
    yield f"{small_registry.VILLAGE}-e{next(_eligible):03d}"


@pytest.fixture
def second_household() -> Iterator[str]:
    yield f"{small_registry.VILLAGE}-e{next(_eligible):03d}"


@pytest.fixture(autouse=True)
def _signatures_at_the_wall_clock() -> Iterator[None]:
    """A test that drives the time-skipping server signs at its time (CaseDriver.signing_at_server_time);
    the next test starts from the wall clock again."""
    SIGNING_TIME.set(None)
    yield
    SIGNING_TIME.set(None)
