"""One benchmark's machinery: a run folder, the bench registry, the dev server (SQLite WAL), a
`tuopin worker --simulation` process and, if asked, the bare workflow's worker process."""

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import Client

from bench import registry as reg
from bench.common import BIN, Proc, spawn, start_dev_server, wait_for_poller
from workers.connection import data_converter
from workers.settings import Settings

TUOPIN_QUEUE = "bench-tuopin-simulation"
BARE_QUEUE = "bench-bare"


@dataclass
class Stack:
    run_dir: Path
    households: int
    env: object = None
    address: str = ""
    server_pid: int | None = None
    client: Client | None = None  # tuopin's data converter (pydantic)
    plain_client: Client | None = None  # the SDK's default converter, for the bare workflow
    tuopin_worker: Proc | None = None
    bare_worker: Proc | None = None
    settings: Settings | None = None
    timings: dict[str, float] = field(default_factory=dict)
    exit_codes: dict[str, int | None] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return self.run_dir / "home"

    @property
    def registry_url(self) -> str:
        return f"sqlite:///{(self.run_dir / 'bench-registry.db').resolve()}"

    @property
    def server_db(self) -> Path:
        return self.run_dir / "temporal.db"

    def cli_env(self) -> dict[str, str]:
        """What `tuopin` (worker or CLI) needs to find the server, the bench registry and the keys."""
        return {
            **os.environ,
            "TEMPORAL_ADDRESS": self.address,
            "TEMPORAL_NAMESPACE": "default",
            "TUOPIN_HOME": str(self.home),
            "TUOPIN_REGISTRY_URL": self.registry_url,
            "TUOPIN_TASK_QUEUE": TUOPIN_QUEUE,
            "TUOPIN_LOG_FORMAT": "json",
        }

    async def start(self, bare: bool = True) -> "Stack":
        t0 = time.perf_counter()
        self.home.mkdir(parents=True, exist_ok=True)
        reg.build(self.registry_url, self.home / "keys", self.households)
        self.timings["registry_build_s"] = round(time.perf_counter() - t0, 1)
        self.settings = Settings(home=self.home, registry_url=self.registry_url, task_queue=TUOPIN_QUEUE,
                                 keys_dir=self.home / "keys")
        t0 = time.perf_counter()
        self.env, self.address, self.server_pid = await start_dev_server(self.server_db)
        self.timings["server_start_s"] = round(time.perf_counter() - t0, 1)
        # with the codec key ring of the worker's home, as `tuopin` clients read it
        self.client = Client(self.env.client.service_client, namespace=self.env.client.namespace,
                             data_converter=data_converter(self.settings))
        self.plain_client = await Client.connect(self.address)
        self.tuopin_worker = spawn("tuopin-worker", [str(BIN / "tuopin"), "worker", "--simulation"], self.cli_env(),
                                   self.run_dir / "tuopin-worker.log")
        if bare:
            self.bare_worker = spawn(
                "bare-worker", [sys.executable, "-m", "bench.bare_workflow", "--address", self.address,
                                "--task-queue", BARE_QUEUE], dict(os.environ), self.run_dir / "bare-worker.log",
            )
        await wait_for_poller(self.client, TUOPIN_QUEUE, self.tuopin_worker)
        if bare:
            await wait_for_poller(self.client, BARE_QUEUE, self.bare_worker)
        return self

    async def close(self) -> dict[str, int | None]:
        """Stops what start() started, once (later calls return the same exit codes)."""
        for proc in (self.tuopin_worker, self.bare_worker):
            if proc is not None and proc.name not in self.exit_codes:
                self.exit_codes[proc.name] = proc.stop()
        if self.env is not None:
            env, self.env = self.env, None
            await env.shutdown()
        return dict(self.exit_codes)


def new_run_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def remove_run_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
