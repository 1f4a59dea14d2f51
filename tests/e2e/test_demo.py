"""`tuopin demo` as a newcomer runs it: all four exits from the first record to 销号 in seconds, on a
dev server of its own, with a step done by a person in another terminal; and the fence around it:
a production worker refuses a case with a notice shorter than 7 days, and the demo never writes the
production registry."""

import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from temporalio.client import Client

from domain.messages import DecisionCommand
from domain.simulation import Simulation
from starters import cases
from starters.errors import Refused
from tests.e2e.conftest import TUOPIN, free_port
from workers.connection import data_converter
from workers.settings import Settings


def _demo(home: Path, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "TUOPIN_LOG_FORMAT": "json"}
    return subprocess.Popen(
        [TUOPIN, "demo", "--home", str(home), "--port", str(free_port()), "--ui-port", str(free_port()),
         "--notice-seconds", "2", "--no-keep-open", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw,
    )


def test_the_demo_walks_all_four_exits_to_their_end(tmp_path):
    proc = _demo(tmp_path, stdin=subprocess.DEVNULL)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out[-3000:] + err[-3000:]
    assert "summary: household exited, village exited, township exited, county exited" in out
    for case in ("household-exit%2Fchangxiao-shaping-", "village-exit%2Fchangxiao-hepai%2Fpoor%2F2017",
                 "township-exit%2Flinshe%2F2018", "county-exit%2Fqingliu%2F2019"):
        assert f"/namespaces/tuopin-demo/workflows/{case}" in out
    assert out.count("销号:") == 4 and "民主评议" in out and "a real one lasts at least 7 days" in out
    assert "+08:00" in out  # times people read are Qingliu's
    assert (tmp_path / "demo" / "demo-registry.db").exists()
    assert not (tmp_path / "registry.db").exists()  # the production registry is never touched
    assert "Traceback" not in err


def test_a_person_may_do_a_step_by_hand_while_the_demo_waits(tmp_path):
    proc = _demo(tmp_path, "--step", "--only", "household", stdin=subprocess.PIPE)
    lines: list[str] = []
    port = proc.args[proc.args.index("--port") + 1]
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("\n")  # step 1: let the demo open the case
    proc.stdin.flush()
    by_hand = None
    for line in proc.stdout:
        lines.append(line)
        if "$ tuopin decide" in line and "--as changxiao-shaping-director" in line:
            command = line.split("$ ", 1)[1].strip()
            env = {**os.environ, "TEMPORAL_ADDRESS": f"127.0.0.1:{port}", "TEMPORAL_NAMESPACE": "tuopin-demo",
                   "TUOPIN_HOME": str(tmp_path / "demo"), "TUOPIN_LOG_FORMAT": "json",
                   "PATH": f"{Path(TUOPIN).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
            by_hand = subprocess.run(command, shell=True, env=env, capture_output=True, text=True, timeout=60,
                                     stdin=subprocess.DEVNULL)
            proc.stdin.write("\n" * 20)
            proc.stdin.close()
            break
    rest = threading.Thread(target=lambda: lines.extend(proc.stdout))  # type: ignore[arg-type]
    rest.start()
    proc.wait(timeout=180)
    rest.join(timeout=10)
    out = "".join(lines)
    assert by_hand is not None and by_hand.returncode == 0, (by_hand.stderr if by_hand else out)
    assert "recorded #2" in by_hand.stdout
    assert proc.returncode == 0, out[-3000:] + proc.stderr.read()  # type: ignore[union-attr]
    assert "press Enter" in out and "done already" in out and "summary: household exited" in out


def test_the_demo_never_empties_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "thesis.txt").write_text("years of work")
    proc = subprocess.run([TUOPIN, "demo", "--home", str(tmp_path), "--port", str(free_port()), "--ui-port",
                           str(free_port()), "--no-keep-open"], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 1 and "was not made by `tuopin demo`" in proc.stderr, proc.stderr
    assert (tmp_path / "demo" / "thesis.txt").read_text() == "years of work"


def test_the_demo_refuses_held_ports_and_leaves_the_folder_alone(tmp_path):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "keep.txt").write_text("x")
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        proc = subprocess.run([TUOPIN, "demo", "--home", str(tmp_path), "--port", str(port), "--no-keep-open"],
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1 and f"port {port}" in proc.stderr and "in use" in proc.stderr
    assert (tmp_path / "demo" / "keep.txt").exists()


async def test_a_production_worker_refuses_a_demo_notice(dev_server, cli):
    """清委办〔2017〕25号: "并在村内公示不少于7天无异议后" — only a simulation worker (the demo's)
    takes a shorter notice; a production worker refuses the case outright."""
    home = Path(cli.env["TUOPIN_HOME"])
    settings = Settings(home=home, task_queue=cli.env["TUOPIN_TASK_QUEUE"], keys_dir=home / "keys",
                        address=cli.env["TEMPORAL_ADDRESS"])
    client = Client(dev_server.client.service_client, namespace="default", data_converter=data_converter(settings))
    first = DecisionCommand(stage="appraisal", outcome="approve", official_id="changxiao-shaping-secretary",
                            meeting_ref="沙坪村民主评议〔2017〕2号",
                            record={"held_on": "2017-03-01", "attendance": 42, "result": "一致同意拟退出"})
    with pytest.raises(Refused) as refused:
        await cases.open_case(client, settings, "household", "changxiao-shaping-h002", 2017, first,
                              simulation=Simulation(notice_seconds=20))
    assert refused.value.kind == "SimulationRefused" and "production worker" in refused.value.message
    state = await cases.show(client, "household-exit/changxiao-shaping-h002/2017")
    assert state.status == "rejected" and state.notices == []


def test_the_demo_command_lists_the_demo_scenarios():
    from starters import demo, demo_commands

    assert demo_commands.SCENARIOS == demo.SCENARIOS
