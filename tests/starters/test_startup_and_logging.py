"""Start-up refusals and the logging set-up every entry point shares."""

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import structlog

from observability.logging_config import configure_logging
from workers.settings import PROJECT_ROOT

TUOPIN = str(Path(sys.executable).parent / "tuopin")


def _data_with(tmp_path: Path, days: int) -> Path:
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    rules = json.loads((data / "policy" / "rules.json").read_text())
    rules["notice"]["days"] = days
    (data / "policy" / "rules.json").write_text(json.dumps(rules))
    return data


def test_a_notice_shorter_than_seven_days_is_refused_at_start_up(tmp_path):
    env = {**os.environ, "TUOPIN_DATA_DIR": str(_data_with(tmp_path, 6)), "TUOPIN_HOME": str(tmp_path / "home")}
    for command in (["worker", "--address", "127.0.0.1:1"], ["serve", "--address", "127.0.0.1:1"]):
        proc = subprocess.run([TUOPIN, *command], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert proc.returncode == 1, proc.stderr
        assert "refusing to start" in proc.stderr and "greater than or equal to 7" in proc.stderr
        assert not (tmp_path / "home" / "temporal.db").exists()


def test_logs_are_json_off_a_terminal_with_bound_ids_and_temporal_extras(capsys):
    configure_logging("json")
    structlog.contextvars.bind_contextvars(case_id="household-exit/h/2017")
    try:
        structlog.get_logger("tuopin.test").info("decision_sent", stage="verification")
        # Temporal's own loggers are stdlib; their extras (workflow id, run id) come through as fields
        logging.getLogger("temporalio.workflow").info(
            "decision_recorded", extra={"temporal_workflow": {"workflow_id": "household-exit/h/2017", "run_id": "r1"}}
        )
    finally:
        structlog.contextvars.clear_contextvars()
    lines = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    assert lines[0]["event"] == "decision_sent" and lines[0]["case_id"] == "household-exit/h/2017"
    assert lines[0]["stage"] == "verification" and lines[0]["level"] == "info" and "timestamp" in lines[0]
    assert lines[1]["event"] == "decision_recorded" and lines[1]["case_id"] == "household-exit/h/2017"
    assert lines[1]["temporal_workflow"]["workflow_id"] == "household-exit/h/2017"


def test_console_rendering_on_a_terminal(capsys):
    configure_logging("console")
    structlog.get_logger("tuopin.test").info("worker_started", task_queue="q")
    err = capsys.readouterr().err
    assert "worker_started" in err and "task_queue" in err and not err.lstrip().startswith("{")
