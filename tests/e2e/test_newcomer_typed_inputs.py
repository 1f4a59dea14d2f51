"""What a tired official types, through `tuopin` as a subprocess (issue 19, item 3): each mistake is
refused with exit 2 and a reason in the options' terms, before anything is signed or sent. The
commands point at a server nobody runs: had one got past its checks, it would say "cannot reach"
(exit 3) instead."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import TUOPIN, free_port

VILLAGE = "changxiao-shaping"
HOUSEHOLD = f"{VILLAGE}-h001"
CASE = f"household-exit/{HOUSEHOLD}/2017"


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("typed-home")
    env = {**os.environ, "TUOPIN_HOME": str(home), "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
           "XDG_CONFIG_HOME": str(home / "config")}
    seeded = subprocess.run([TUOPIN, "registry", "seed"], env=env, capture_output=True, text=True, timeout=120)
    assert seeded.returncode == 0, seeded.stderr
    (home / "codec-keys.json").write_text("{}")  # never read: every command below stops before connecting
    return env


def tuopin(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TUOPIN, *args], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def _refused(env, *args: str) -> str:
    proc = tuopin(env, *args)
    assert proc.returncode == 2, (args, proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "cannot reach" not in proc.stderr
    for validator_words in ("String should", "does not match the format", "Value error", "Input should"):
        assert validator_words not in proc.stderr, proc.stderr
    return proc.stderr


def _open(*changes: str, **options: str) -> list[str]:
    given = {"--as": f"{VILLAGE}-secretary", "--meeting": "沙坪村民主评议〔2017〕2号", "--meeting-date": "2017-03-01",
             "--attendance": "42", "--result": "一致同意拟退出", **options}
    return ["open", "household", HOUSEHOLD, "--year", "2017", *[x for kv in given.items() for x in kv], *changes]


@pytest.mark.parametrize("blank", ["", "   ", "\u3000", "\u200b"])
def test_blank_text_is_refused_wherever_text_is_required(env, blank):
    said = "cannot be empty" if blank == "" else "cannot be blank"
    assert said in _refused(env, *_open(**{"--meeting": blank}))
    assert said in _refused(env, *_open(**{"--result": blank}))
    assert said in _refused(env, *_open("--note", blank))
    assert said in _refused(env, "object", CASE, "--name", "村民丙", "--contact", "13700001111", "--reason", blank)
    assert said in _refused(env, "object", CASE, "--name", blank, "--contact", "13700001111", "--reason", "收入不实")
    assert said in _refused(env, "object", CASE, "--name", "村民丙", "--contact", blank, "--reason", "收入不实")
    assert said in _refused(env, "decide", CASE, "reject", "--stage", "verification", "--as", f"{VILLAGE}-director",
                            "--note", blank)
    assert said in _refused(env, "decide", CASE, "approve", "--stage", "county_approval", "--as", "qingliu-county",
                            "--meeting", blank)
    assert said in _refused(env, "resolve", CASE, "O1", "dismiss", "--as", f"{VILLAGE}-secretary", "--finding", blank)
    assert "Invalid value for '--as'" in _refused(env, "consent", CASE, "--as", blank)


def test_a_date_that_does_not_exist_is_refused_with_the_reason(env):
    err = _refused(env, *_open(**{"--meeting-date": "2017-02-30"}))
    assert "2017-02-30 is not a date: February 2017 has 28 days" in err
    err = _refused(env, *_open(**{"--meeting-date": "March 1st"}))
    assert "is not a date: write it as YYYY-MM-DD" in err
    err = _refused(env, "decide", CASE, "approve", "--stage", "appraisal", "--as", f"{VILLAGE}-secretary",
                   "--record", "held_on=2017-06-31")
    assert "--record held_on: 2017-06-31 is not a date: June 2017 has 30 days" in err


def test_a_mistyped_official_id_is_unknown_and_the_closest_ids_are_offered(env):
    err = _refused(env, *_open(**{"--as": f"{VILLAGE}-secretry"}))
    assert f"unknown official {VILLAGE}-secretry" in err and f"did you mean {VILLAGE}-secretary" in err
    err = _refused(env, "inbox", "--as", f"{VILLAGE}-directr")
    assert f"did you mean {VILLAGE}-director" in err
    assert "is not an official id" in _refused(env, "inbox", "--as", "../../etc/passwd")


def test_a_key_file_with_wrong_content_is_refused_for_its_content_before_its_mode(env, tmp_path):
    official = f"{VILLAGE}-director"
    keys = Path(env["TUOPIN_HOME"]) / "keys"
    wrong = tmp_path / "mine.pem"
    wrong.write_text("-----BEGIN PRIVATE KEY-----\nthis is not my key!\n-----END PRIVATE KEY-----\n")
    shutil.copy(keys / f"{official}.cert.json", tmp_path / "mine.cert.json")  # its certificate is in order
    os.chmod(wrong, 0o644)  # and others may read it: the content is said first
    decide = ["decide", CASE, "approve", "--stage", "verification", "--as", official, "--key", str(wrong)]
    err = _refused(env, *decide)
    assert "is not a private key" in err and "readable by others" not in err
    # the real key, readable by others: refused for its mode (exit 1), before anything is sent
    real = tmp_path / "real.pem"
    shutil.copy(keys / f"{official}.pem", real)
    shutil.copy(keys / f"{official}.cert.json", tmp_path / "real.cert.json")
    os.chmod(real, 0o644)
    proc = tuopin(env, "decide", CASE, "approve", "--stage", "verification", "--as", official, "--key", str(real))
    assert proc.returncode == 1 and "readable by others" in proc.stderr and "cannot reach" not in proc.stderr
