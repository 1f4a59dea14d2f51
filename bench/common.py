"""What every benchmark shares: the embedded dev server (SQLite WAL), worker processes, and measuring
them (peak RSS, CPU seconds) through /proc, which is all this machine needs."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
PROJECT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT / "bench" / "results"
CLK_TCK = os.sysconf("SC_CLK_TCK")
SQLITE_WAL = ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_dev_server(db_file: Path, log_level: str = "error"):
    """The dev server exactly as `tuopin serve` runs it: SQLite in WAL mode, tuopin's search attributes."""
    from workers.data_converter import DATA_CONVERTER
    from temporalio.testing import WorkflowEnvironment

    from workflows import search_attributes as sa

    port = free_port()
    env = await WorkflowEnvironment.start_local(
        port=port,
        ui=False,
        data_converter=DATA_CONVERTER,
        search_attributes=sa.ALL,
        dev_server_existing_path=str(BIN / "temporal"),
        dev_server_database_filename=str(db_file),
        dev_server_log_level=log_level,
        dev_server_extra_args=SQLITE_WAL,
    )
    return env, f"127.0.0.1:{port}", find_server_pid(port)


def find_server_pid(port: int) -> int | None:
    """The dev server the SDK started for us: the `temporal server start-dev` process on our port."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"start-dev" in cmd and str(port).encode() in cmd:
            return int(entry.name)
    return None


def peak_rss_mb(pid: int | None) -> float | None:
    """VmHWM: the process's peak resident set so far."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU of one process (not its children), in seconds."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # after the ")" the fields start at index 3 (state): utime is field 14, stime 15
    utime, stime = (int(fields[i - 3]) for i in (14, 15))
    return (utime + stime) / CLK_TCK


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(round(q / 100 * len(ordered) + 0.5))))
    return ordered[rank - 1]


@dataclass
class Proc:
    """A child process we started, stopped by its own pid only."""

    name: str
    popen: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, timeout: float = 30) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode


def spawn(name: str, args: list[str], env: dict[str, str], log: Path) -> Proc:
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = log.open("w")
    popen = subprocess.Popen(args, env=env, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             cwd=PROJECT)
    return Proc(name, popen, log)


async def wait_for_poller(client: Any, task_queue: str, proc: "Proc | None" = None, timeout: float = 60) -> None:
    """Until a worker polls the task queue (so the first measured case does not wait for start-up)."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace, task_queue=TaskQueue(name=task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        if resp.pollers:
            return
        if proc is not None and proc.popen.poll() is not None:
            tail = proc.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode} before polling:\n{tail}")
        await asyncio.sleep(0.2)
    raise RuntimeError(f"no worker polled {task_queue} within {timeout} s")


@dataclass
class CpuMeter:
    """CPU seconds of a set of processes between start() and stop()."""

    pids: dict[str, int | None]
    start_at: dict[str, float] = field(default_factory=dict)
    used: dict[str, float] = field(default_factory=dict)

    def start(self) -> "CpuMeter":
        self.start_at = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        return self

    def stop(self) -> dict[str, float]:
        self.used = {name: round(cpu_seconds(pid) - self.start_at[name], 2) for name, pid in self.pids.items()}
        return self.used


def stop_on_sigterm() -> None:
    """SIGTERM (`kill PID`, a timeout) unwinds like Ctrl-C, so finally-blocks stop the workers and server."""
    def _interrupt(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
