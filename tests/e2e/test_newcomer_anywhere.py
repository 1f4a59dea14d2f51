"""Officials' commands work from any folder, and no command creates files where it only reads
(issue 19, item 4): `tuopin` as a subprocess whose working folder is a fresh, empty one, with the
home given by TUOPIN_HOME or --home; and read-only commands pointed at an empty home leave it empty."""

import json
import os
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.e2e.conftest import TUOPIN, running_cli
from tests.e2e.test_cli_household import VILLAGE, _households


@pytest.fixture(scope="module")
def home_cli(dev_server, tmp_path_factory):
    with running_cli(dev_server, tmp_path_factory.mktemp("anywhere-home"), "tuopin-e2e-anywhere") as cli:
        yield cli


def _in(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TUOPIN, *args], env=env, cwd=folder, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def _everything_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_officials_commands_work_from_any_folder(home_cli, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = home_cli.env  # TUOPIN_HOME: an absolute path; the working folder has nothing of tuopin's
    household = _households(home_cli)[0][0]
    opened = _in(elsewhere, env, "open", "household", household, "--year", "2017", "--as", f"{VILLAGE}-secretary",
                 "--meeting", "沙坪村民主评议〔2017〕2号", "--meeting-date", "2017-03-01", "--attendance", "42",
                 "--result", "一致同意拟退出")
    assert opened.returncode == 0, opened.stderr
    case = opened.stdout.strip()
    for args in (
        ("decide", case, "approve", "--stage", "verification", "--as", f"{VILLAGE}-director"),
        ("inbox", "--as", f"{VILLAGE}-workteam"),
        ("decide", case, "approve", "--stage", "verification", "--as", f"{VILLAGE}-workteam"),
        ("consent", case, "--as", f"{household}-head"),
    ):
        proc = _in(elsewhere, env, *args)
        assert proc.returncode == 0, (args, proc.stderr)
    # the village records the notice's posting (once the case has issued it), from there too
    for _ in range(100):
        doc = json.loads(_in(elsewhere, env, "show", case, "--json").stdout)
        if doc["stage"] == "notice" and doc["awaiting"]:
            break
        time.sleep(0.2)
    posted_at = datetime.now(timezone.utc).replace(microsecond=0)
    time.sleep(1.2)  # (a posting cannot be in the future by the case's clock)
    for args in (
        ("notice", "posted", case, "--as", f"{VILLAGE}-secretary", "--at", posted_at.isoformat(), "--place", "村委会公示栏"),
        ("object", case, "--name", "村民丙", "--contact", "13700001111", "--reason", "有务工收入未计入"),
        ("resolve", case, "O1", "dismiss", "--as", f"{VILLAGE}-secretary", "--finding", "经核实无此情况"),
        ("show", case),
        ("list", "--type", "household"),
    ):
        proc = _in(elsewhere, env, *args)
        assert proc.returncode == 0, (args, proc.stderr)
    # the home as --home instead of TUOPIN_HOME, from the same folder
    flagged = {k: v for k, v in env.items() if k != "TUOPIN_HOME"}
    shown = _in(elsewhere, flagged, "show", case, "--json", "--home", env["TUOPIN_HOME"])
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert [o["objection_id"] for o in doc["objections"]] == ["O1"] and len(doc["notices"]) == 2
    assert _everything_in(elsewhere) == [], "a command wrote into the folder it was run from"


def test_read_only_commands_leave_an_empty_home_empty(home_cli, tmp_path):
    household = _households(home_cli)[0][1]
    real_home = Path(home_cli.env["TUOPIN_HOME"])
    opened = home_cli.run("open", "household", household, "--year", "2017", "--as", f"{VILLAGE}-secretary",
                          "--meeting", "M1", "--meeting-date", "2017-03-01", "--attendance", "40", "--result", "同意")
    assert opened.returncode == 0, opened.stderr
    case = opened.stdout.strip()
    dossier = tmp_path / "dossier.json"
    exported = home_cli.run("dossier", case, "--out", str(dossier))
    assert exported.returncode == 0, exported.stderr
    empty = tmp_path / "empty-home"
    empty.mkdir()
    env = {k: v for k, v in home_cli.env.items() if k != "TUOPIN_HOME"}
    reads = [
        ("show", case),
        ("list",),
        ("inbox", "--as", f"{VILLAGE}-director"),
        ("dossier", "verify", str(dossier), "--root", str(real_home / "trust" / "admin-root.pub")),
        ("dossier", "verify", str(dossier)),
        ("trace", household),
        ("registry", "households"),
        ("registry", "villages"),
        ("registry", "townships"),
        ("registry", "officials"),
        ("registry", "buffer"),
        ("registry", "supervision"),
        ("officials", "keys", "--as", f"{VILLAGE}-director"),
        ("officials", "root"),
        ("plan", "report", "--year", "2017"),
    ]
    for args in reads:
        proc = _in(tmp_path, env, *args, "--home", str(empty))
        assert "Traceback" not in proc.stderr, (args, proc.stderr)
        if proc.returncode != 0:  # refused for want of the home's files: says which, and where
            assert str(empty) in proc.stderr or "--root" in proc.stderr, (args, proc.stderr)
        assert _everything_in(empty) == [], f"tuopin {' '.join(args)} created {_everything_in(empty)}"
    # a command that needs the worker's codec key ring says where it looked, and what to do
    shown = _in(tmp_path, env, "show", case, "--home", str(empty))
    assert shown.returncode == 2 and f"no codec key ring at {empty}" in shown.stderr and "--home" in shown.stderr
    listed = _in(tmp_path, env, "registry", "households", "--home", str(empty))
    assert listed.returncode == 3 and f"no registry at {empty}" in listed.stderr and "--home" in listed.stderr
    assert not (tmp_path / ".tuopin").exists()
    assert os.listdir(empty) == []
