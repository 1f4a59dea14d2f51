"""No command hangs (issue 19, item 2), tried as a person would: `tuopin` as a subprocess against a
dev server whose worker was never started, a worker that has just stopped, a server nobody runs, and
Ctrl-C while a command waits. Each ends in time, says what happened and what to do, with the
README's exit codes (3: server or worker unreachable; 130: interrupted) and never a traceback."""

import signal
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.e2e.conftest import TUOPIN, Cli, codec_client, free_port, running_cli
from tests.e2e.test_cli_household import VILLAGE, _households, _open

NEVER_SERVED = "tuopin-e2e-never-served"  # a task queue no worker ever polled
SERVED = "tuopin-e2e-no-hang"
NO_WORKER = "no worker is running for the task queue"
ASK_FOR_WORKER = "is `tuopin worker` running?"


def _plain(proc: subprocess.CompletedProcess) -> str:
    """The command's stderr, checked to be a person's message: one error line, no traceback, no SDK internals."""
    err = proc.stderr
    for internal in ("Traceback", "tonic::", "RPCError", "WorkflowUpdateRPCTimeoutOrCancelledError", "CancelledError"):
        assert internal not in err, err[-3000:]
    return err


def _timed(cli: Cli, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    proc = cli.run(*args)
    return proc, time.monotonic() - started


@pytest.fixture(scope="module")
def home(dev_server, tmp_path_factory) -> tuple[Cli, list[str]]:
    """A seeded home whose worker has run (it wrote the codec key ring and served an opening) and been
    stopped; with two cases opened while it ran."""
    with running_cli(dev_server, tmp_path_factory.mktemp("no-hang-home"), SERVED) as cli:
        good, _ = _households(cli)
        cases = []
        for household in good[:2]:
            opened = _open(cli, household)
            assert opened.returncode == 0, opened.stderr
            cases.append(opened.stdout.strip())
        # the second case at its notice, where an objection can be lodged
        for official in (f"{VILLAGE}-director", f"{VILLAGE}-workteam"):
            assert cli.run("decide", cases[1], "approve", "--stage", "verification", "--as", official).returncode == 0
        assert cli.run("consent", cases[1], "--as", f"{good[1]}-head").returncode == 0
        # the village records the notice's posting once the case has issued it: objections are taken from then
        for _ in range(100):
            shown = cli.json("show", cases[1])
            if shown["stage"] == "notice" and shown["awaiting"]:
                break
            time.sleep(0.2)
        posted_at = datetime.now(timezone.utc).replace(microsecond=0)
        time.sleep(1.2)  # (a posting cannot be in the future by the case's clock)
        posted = cli.run("notice", "posted", cases[1], "--as", f"{VILLAGE}-secretary", "--at", posted_at.isoformat(),
                         "--place", "村委会公示栏")
        assert posted.returncode == 0, posted.stderr
    return cli, cases


@pytest.fixture(scope="module")
async def unserved_case(dev_server, home):
    """A case on a task queue no worker has ever polled (as after `make run` with the worker failing)."""
    cli, _ = home
    case = f"household-exit/{_households(cli)[0][-1]}/2017"
    handle = await codec_client(dev_server, cli).start_workflow("HouseholdExitWorkflow", id=case, task_queue=NEVER_SERVED)
    yield case
    await handle.terminate("test over")


def test_with_no_worker_every_case_command_refuses_at_once_and_sends_nothing(dev_server, home, unserved_case):
    cli, _ = home
    never = Cli({**cli.env, "TUOPIN_TASK_QUEUE": NEVER_SERVED})
    household = unserved_case.split("/")[1]
    commands = [
        ("show", unserved_case),
        ("decide", unserved_case, "approve", "--stage", "verification", "--as", f"{VILLAGE}-director"),
        ("consent", unserved_case, "--as", f"{household}-head"),
        ("object", unserved_case, "--name", "村民丙", "--contact", "13700001111", "--reason", "有务工收入未计入"),
        ("resolve", unserved_case, "O1", "dismiss", "--as", f"{VILLAGE}-secretary", "--finding", "经核实无此情况"),
        ("inbox", "--as", f"{VILLAGE}-director"),
    ]
    for command in commands:
        proc, took = _timed(never, *command)
        err = _plain(proc)
        assert proc.returncode == 3, (command, proc.returncode, err)
        assert NO_WORKER in err and ASK_FOR_WORKER in err and "make run" in err, err
        assert took < 8, f"tuopin {command[0]} took {took:.1f} s to say so"
        if command[0] in ("decide", "consent", "object", "resolve"):
            assert "nothing was sent" in err
    # an opening is refused before the case is started: the unit stays free
    opened, took = _timed(never, "open", "household", "changxiao-shaping-h901", "--year", "2017", "--as",
                          f"{VILLAGE}-secretary", "--meeting", "M1", "--meeting-date", "2017-03-01", "--attendance",
                          "40", "--result", "一致同意拟退出")
    assert opened.returncode == 3 and NO_WORKER in _plain(opened) and took < 8
    listed = never.json("list")
    assert "household-exit/changxiao-shaping-h901/2017" not in [row["case_id"] for row in listed]
    # with --json the refusal is a document too
    refused = never.run("show", unserved_case, "--json")
    assert refused.returncode == 3 and '"error": "no_worker"' in refused.stdout


def test_a_worker_stopped_just_now_an_update_ends_as_sent_not_applied_and_is_applied_when_one_starts(dev_server, home):
    """The server shows a stopped worker's last poll for a while: within it an update may be sent;
    the CLI then waits a bounded time, says it was sent and not yet applied, and it is applied once
    a worker runs again, as the message says."""
    cli, cases = home
    at_notice = cases[1]
    _stop_a_worker_now(dev_server, cli)
    proc, took = _timed(cli, "object", at_notice, "--name", "村民丁", "--contact", "13700002222", "--reason", "住房未达标")
    err = _plain(proc)
    assert proc.returncode == 3, err
    assert err.strip().startswith("Error: sent, not yet applied") and ASK_FOR_WORKER in err, err
    assert f"tuopin show {at_notice}" in err
    assert took < 30
    with running_cli(dev_server, Path(cli.env["TUOPIN_HOME"]), SERVED) as again:
        deadline = time.monotonic() + 30
        while True:
            shown = again.json("show", at_notice)
            if shown["notice"]["objections"] or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert [o["objection_id"] for o in shown["notice"]["objections"]] == ["O1"]


def _stop_a_worker_now(dev_server, cli: Cli) -> None:
    """A worker runs and stops: for a while the server still shows its last poll, so a command finds
    a worker and sends; what it sent waits for the next one."""
    with running_cli(dev_server, Path(cli.env["TUOPIN_HOME"]), SERVED):
        pass


def _interrupted(cli: Cli, after: float, *args: str) -> tuple[int, str, str]:
    proc = subprocess.Popen([TUOPIN, *args], env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    time.sleep(after)
    assert proc.poll() is None, f"tuopin {args[0]} ended before Ctrl-C: {proc.communicate()[1]}"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=15)
    return proc.returncode, out, err


def test_ctrl_c_while_a_command_waits_ends_it_in_one_line_exit_130(dev_server, home, tmp_path):
    cli, cases = home
    _stop_a_worker_now(dev_server, cli)
    code, out, err = _interrupted(cli, 2.5, "object", cases[0], "--name", "村民戊", "--contact", "13700003333",
                                  "--reason", "收入不实")
    assert code == 130 and out == "", (code, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("Error: interrupted (Ctrl-C)") and f"tuopin show {cases[0]}" in err
    code, out, err = _interrupted(cli, 2.5, "show", cases[0])
    assert code == 130 and err.strip() == "Error: interrupted (Ctrl-C)", err


def test_with_the_server_stopped_every_command_says_where_it_looked_and_what_to_start(home):
    cli, cases = home
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    down = Cli({**cli.env, "TEMPORAL_ADDRESS": address})
    commands = [
        ("show", cases[0]),
        ("list",),
        ("decide", cases[0], "approve", "--stage", "verification", "--as", f"{VILLAGE}-director"),
        ("object", cases[0], "--name", "村民丙", "--contact", "13700001111", "--reason", "有务工收入未计入"),
        ("inbox", "--as", f"{VILLAGE}-director"),
        ("open", "household", "changxiao-shaping-h902", "--year", "2017", "--as", f"{VILLAGE}-secretary", "--meeting",
         "M1", "--meeting-date", "2017-03-01", "--attendance", "40", "--result", "一致同意拟退出"),
    ]
    for command in commands:
        proc, took = _timed(down, *command)
        err = _plain(proc)
        assert proc.returncode == 3, (command, err)
        assert f"cannot reach the Temporal server at {address} (nothing listens there)" in err and "make run" in err, err
        assert len(err.strip().splitlines()) == 1 and took < 20
    as_json = down.run("list", "--json")
    assert as_json.returncode == 3 and '"error": "server_unreachable"' in as_json.stdout
