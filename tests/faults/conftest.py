"""One fault bench for the package: a dev server process on its own SQLite file, a small registry
file with its officials' keys, a simulation task queue and a `tuopin worker --simulation` process
that a test may kill and replace. Each test ends by reconciling the registry with the cases."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.faults.harness import Bench, start_bench, stop_bench
from tests.faults.link import Link

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


@pytest.fixture
async def link(bench: Bench, live_worker: None) -> AsyncIterator[Link]:
    """The bench's worker reaches the server only through a link the test can cut (a lost message
    for certain, where a frozen server still takes in what the worker sends)."""
    link = await bench.worker_through_link()
    linked = bench.worker
    try:
        yield link
    finally:
        await link.close()
        if bench.worker is linked and linked.running:  # the test failed before its kill: a worker that reaches the server
            await asyncio.to_thread(linked.stop)
            await bench.replace_worker()
