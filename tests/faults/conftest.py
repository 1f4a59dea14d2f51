"""One fault bench for the package: a dev server process on its own SQLite file, a small registry
file with its officials' keys, a simulation task queue and a `tuopin worker --simulation` process
that a test may kill and replace. Each test ends by reconciling the registry with the cases."""

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client

from starters.reconcile import reconcile_registry
from activities.registry.store import RegistryStore
from tests.faults.harness import Cases, DevServer, RegistryFile, WorkerProcess, worker_env
from tests.support.small_registry import VILLAGE

ELIGIBLE = 60  # households changxiao-hepai-e001 .. e060 meet the 2017 criteria
HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "run_last_in_faults: run after every other test of tests/faults")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked run_last_in_faults go right after the last other test of this package (so the
    package's bench is still up and every fault has happened)."""
    last = [item for item in items if item.get_closest_marker("run_last_in_faults")]
    if not last:
        return
    rest = [item for item in items if item not in last]
    ours = [i for i, item in enumerate(rest) if item.path.resolve().parent == HERE]
    cut = (ours[-1] + 1) if ours else len(rest)
    items[:] = rest[:cut] + last + rest[cut:]


@dataclass
class Bench:
    root: Path
    server: DevServer
    registry: RegistryFile
    keys_dir: Path
    task_queue: str
    client: Client
    cases: Cases
    worker: WorkerProcess
    _households: Any = field(default_factory=lambda: itertools.count(1))
    _workers: Any = field(default_factory=lambda: itertools.count(2))

    def household(self) -> str:
        n = next(self._households)
        assert n <= ELIGIBLE, "the fault bench ran out of eligible households"
        return f"{VILLAGE}-e{n:03d}"

    def new_worker(self) -> WorkerProcess:
        env = worker_env(self.server.address, self.root / "home", self.registry.url, self.task_queue)
        return WorkerProcess(env, self.root, f"worker-{next(self._workers)}")

    async def replace_worker(self) -> WorkerProcess:
        """After a kill: a new worker process on the same queue and registry."""
        assert not self.worker.running
        self.worker = self.new_worker()
        await self.worker.start()
        return self.worker

    async def reconcile(self) -> dict[str, Any]:
        store = RegistryStore.from_url(self.registry.url)
        try:
            return await reconcile_registry(self.client, store, self.task_queue)
        finally:
            store.engine.dispose()


async def start_bench(root: Path, task_queue: str, eligible: int = ELIGIBLE) -> Bench:
    root.mkdir(parents=True, exist_ok=True)
    (root / "home").mkdir(exist_ok=True)
    keys_dir = root / "keys"
    registry = RegistryFile(root / "registry.db")
    registry.build(keys_dir, eligible)
    server = DevServer(root / "temporal.db", root / "temporal.log")
    await server.start()
    client = await server.client()
    env = worker_env(server.address, root / "home", registry.url, task_queue)
    worker = WorkerProcess(env, root, "worker-1")
    try:
        await worker.start()
    except BaseException:
        server.stop()
        raise
    return Bench(root, server, registry, keys_dir, task_queue, client, Cases(client, registry, task_queue, keys_dir), worker)


def stop_bench(bench: Bench) -> int | None:
    code = bench.worker.stop()
    bench.server.stop()
    return code


@pytest.fixture(scope="package")
async def bench(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Bench]:
    bench = await start_bench(tmp_path_factory.mktemp("faults"), "tuopin-faults-simulation")
    try:
        yield bench
    finally:
        running = bench.worker.running
        code = await asyncio.to_thread(stop_bench, bench)
        assert code == 0 or not running, f"the last worker did not stop cleanly ({code}): {bench.worker.log_tail()}"


@pytest.fixture(autouse=True)
async def live_worker(request: pytest.FixtureRequest) -> None:
    """A test that failed after killing the bench's worker leaves the next one a worker all the same."""
    if "bench" in request.fixturenames:
        bench = request.getfixturevalue("bench")
        bench.registry.release()
        if not bench.worker.running:
            await bench.replace_worker()
