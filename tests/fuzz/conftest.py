"""A dev server, a `tuopin worker --simulation` and a small registry for the fuzz tests (the fault
tests' harness), run on an event loop of their own so that hypothesis' synchronous tests can use
them, and one household case waiting at its verification stage for malformed input to be thrown at.
"""

import asyncio
import os
import tempfile
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from domain.case import CaseState
from tests.faults.harness import Bench, start_bench, stop_bench

# Hypothesis keeps caches (and, unless told otherwise, an example database) in ./.hypothesis: keep
# them out of the project (the tests use no example database: see tests/fuzz/strategies.py).
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "tuopin-hypothesis"))


class LoopThread:
    """An event loop on a thread: sync tests run coroutines on it (the Temporal client lives there)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzz-loop", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 120) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.loop.close()


@dataclass
class FuzzBench:
    bench: Bench
    loop: LoopThread
    case_id: str
    household: str

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 120) -> Any:
        return self.loop.run(coro, timeout)

    def state(self) -> CaseState:
        return self.run(self.bench.cases.show(self.case_id))

    def cli_env(self) -> dict[str, str]:
        env = dict(self.bench.worker.env)
        env["TUOPIN_KEYS_DIR"] = str(self.bench.keys_dir)
        return {k: v for k, v in env.items() if k.startswith(("TEMPORAL_", "TUOPIN_"))}


@pytest.fixture(scope="package")
def fuzz_bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzBench]:
    loop = LoopThread()
    bench = loop.run(start_bench(tmp_path_factory.mktemp("fuzz"), "tuopin-fuzz-simulation", eligible=6))
    try:
        household = bench.household()
        case_id = loop.run(bench.cases.open(household, notice_seconds=60))
        yield FuzzBench(bench, loop, case_id, household)
    finally:
        running = bench.worker.running
        code = stop_bench(bench)
        loop.close()
        assert code == 0 or not running, f"the worker did not stop cleanly ({code}): {bench.worker.log_tail()}"
