"""The log a person reads on a terminal is for people (`tuopin serve` in a pseudo-terminal): no JSON
lines, no Python dicts, the county's time with its offset; off a terminal it stays JSON."""

import json
import logging
import os
import pty
import re
import select
import signal
import subprocess
import time

import structlog

from observability.logging_config import configure_logging
from tests.e2e.conftest import TUOPIN, free_port

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _read_until(fd: int, marker: str, seconds: float = 90) -> str:
    seen = b""
    deadline = time.time() + seconds
    while time.time() < deadline and marker.encode() not in seen:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return ANSI.sub("", seen.decode("utf-8", "replace"))


def test_serve_on_a_terminal_logs_for_people(tmp_path):
    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "TUOPIN_LOG_FORMAT"}
    env["TUOPIN_HOME"] = str(tmp_path / "home")
    serve = subprocess.Popen([TUOPIN, "serve", "--address", f"127.0.0.1:{free_port()}", "--ui-port", str(free_port())],
                             env=env, stdin=subprocess.DEVNULL, stdout=secondary, stderr=secondary)
    os.close(secondary)
    try:
        text = _read_until(primary, "worker_started")
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=60)
        os.close(primary)
    lines = [line for line in text.splitlines() if line.strip()]
    assert any("worker_started" in line for line in lines), text[-2000:]
    assert any("serving" in line and "web_ui=" in line for line in lines)
    assert not [line for line in lines if line.lstrip().startswith("{")], text[-2000:]
    assert "{'" not in text and "'}" not in text
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00 \[info", lines[0]), lines[0]
    assert serve.returncode == 0


def test_temporal_context_is_shown_as_ids_on_a_terminal(capsys):
    configure_logging("console")
    try:
        logging.getLogger("temporalio.workflow").warning(
            "message_refused", extra={"temporal_workflow": {"workflow_id": "household-exit/h/2017", "run_id": "r1",
                                                             "workflow_type": "HouseholdExitWorkflow"},
                                      "reasons": ["WrongStage", "AlreadySigned"]})
        structlog.get_logger("tuopin.test").info("case_listed", awaiting=["work_team@v"])
    finally:
        configure_logging("json")
    err = ANSI.sub("", capsys.readouterr().err)
    assert "workflow_id=household-exit/h/2017" in err and "workflow_type=HouseholdExitWorkflow" in err
    assert "{'" not in err and "['" not in err
    assert "reasons=WrongStage,AlreadySigned" in err and "awaiting=work_team@v" in err
    assert "+08:00" in err


def test_off_a_terminal_the_same_serve_logs_json(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TUOPIN_LOG_FORMAT"}
    env["TUOPIN_HOME"] = str(tmp_path / "home")
    proc = subprocess.run([TUOPIN, "registry", "seed"], env=env, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    for line in proc.stderr.strip().splitlines():
        record = json.loads(line)
        assert record["timestamp"].endswith("Z")
