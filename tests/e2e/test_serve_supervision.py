"""`tuopin serve` supervises its children, as an operator would meet it: the worker killed comes back
(and a worker that keeps dying takes the server down with it, exit 1), a second `serve` on held ports
says so and exits non-zero, and `serve` killed outright leaves no dev server or worker behind."""

import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

from tests.e2e.conftest import TUOPIN, free_port


class Serve:
    """A `tuopin serve` process whose JSON log lines are read as they come."""

    def __init__(self, home: Path, port: int, ui_port: int) -> None:
        env = {**os.environ, "TUOPIN_HOME": str(home), "TUOPIN_LOG_FORMAT": "json"}
        env.pop("TEMPORAL_ADDRESS", None)
        self.process = subprocess.Popen(
            [TUOPIN, "serve", "--address", f"127.0.0.1:{port}", "--ui-port", str(ui_port)], env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:  # type: ignore[union-attr]
            self.lines.put(line)

    def wait_for(self, event: str, seconds: float = 90) -> dict:
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line)
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("event") == event:
                return record
        raise AssertionError(f"no {event!r} within {seconds} s; log:\n{''.join(self.seen)[-3000:]}")

    def all_output(self) -> str:
        """Everything it wrote, once it has exited."""
        self.reader.join(timeout=10)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)

    def children(self) -> list[int]:
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()
        return [int(pid) for pid in found]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return "\nState:\tZ" not in state  # a zombie waiting for init to reap it holds no port


def _gone(pids: list[int], seconds: float = 30) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.2)
    return False


def test_the_worker_comes_back_and_a_second_serve_is_refused(tmp_path):
    port, ui_port = free_port(), free_port()
    serve = Serve(tmp_path / "home", port, ui_port)
    try:
        first = serve.wait_for("worker_child_started")["pid"]
        serve.wait_for("worker_started")

        second = subprocess.run([TUOPIN, "serve", "--address", f"127.0.0.1:{port}", "--ui-port", str(ui_port)],
                                env={**os.environ, "TUOPIN_HOME": str(tmp_path / "other")}, capture_output=True,
                                text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert second.returncode == 1, second.stderr
        assert f"port {port}" in second.stderr and "in use" in second.stderr and "Traceback" not in second.stderr
        assert not (tmp_path / "other").exists()  # refused before anything was written

        os.kill(first, signal.SIGKILL)
        assert serve.wait_for("worker_child_exited")["exit_code"] == -signal.SIGKILL
        again = serve.wait_for("worker_child_started")["pid"]
        assert again != first
        serve.wait_for("worker_started")
        assert serve.process.poll() is None
    finally:
        serve.stop()
    assert serve.process.returncode == 0


def test_a_worker_that_keeps_dying_stops_the_server_too(tmp_path):
    serve = Serve(tmp_path / "home", free_port(), free_port())
    try:
        pid = serve.wait_for("worker_child_started")["pid"]
        server_pid = next(p for p in serve.children() if "temporal" in Path(f"/proc/{p}/cmdline").read_text())
        os.kill(pid, signal.SIGKILL)
        for _ in range(3):
            os.kill(serve.wait_for("worker_child_started")["pid"], signal.SIGKILL)
        assert serve.process.wait(timeout=60) == 1
        assert _gone([server_pid])
        assert "the server is stopped too" in serve.all_output()
    finally:
        serve.stop()


def test_serve_killed_outright_leaves_no_child(tmp_path):
    serve = Serve(tmp_path / "home", free_port(), free_port())
    try:
        serve.wait_for("worker_started")
        children = serve.children()
        assert len(children) == 2  # the dev server and the worker
        os.kill(serve.process.pid, signal.SIGKILL)
        serve.process.wait(timeout=10)
        assert _gone(children), [Path(f"/proc/{p}/cmdline").read_text() for p in children if _alive(p)]
    finally:
        serve.stop()
