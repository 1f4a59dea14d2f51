"""Officials' commands talk to Temporal only: with the registry out of reach (an unreadable
TUOPIN_REGISTRY_URL) open, decide, consent, notice print and posted, object, resolve, show, list
and inbox all work, `decide` never imports SQLAlchemy, and a refused opening leaves the unit free
for a corrected one."""

import json
from datetime import datetime, timezone

import subprocess
import sys

from tests.e2e.test_cli_household import VILLAGE, _eventually, _households, _open

UNREADABLE_REGISTRY = "sqlite:////nonexistent/unreadable/registry.db"


def _official_env(cli) -> dict[str, str]:
    return {**cli.env, "TUOPIN_REGISTRY_URL": UNREADABLE_REGISTRY}


def test_officials_commands_work_without_the_registry_and_decide_imports_no_sqlalchemy(cli, tmp_path):
    good, _ = _households(cli)
    household = good[-1]
    official = type(cli)(_official_env(cli))
    # a refused opening (a work team member may not record the appraisal): exit 1 with the reason
    wrong = _open(official, household, f"{VILLAGE}-workteam")
    assert wrong.returncode == 1 and wrong.stdout.strip() == "" and "refused on opening" in wrong.stderr and "acts as work_team" in wrong.stderr
    listed = official.json("list", "--type", "household")
    assert f"household-exit/{household}/2017" not in [r["case_id"] for r in listed], "a refused opening is no case"
    # corrected, the same unit opens
    opened = _open(official, household)
    assert opened.returncode == 0, opened.stderr
    case = opened.stdout.strip()
    assert official.run("decide", case, "approve", "--stage", "verification", "--as", f"{VILLAGE}-director").returncode == 0
    inbox = official.json("inbox", "--as", f"{VILLAGE}-workteam")
    assert case in [r["case_id"] for r in inbox]
    # a real decide, its imports logged: no SQLAlchemy, no registry code
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "starters.cli", "decide", case, "approve", "--stage", "verification",
         "--as", f"{VILLAGE}-workteam"],
        env=_official_env(cli), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "temporalio.client" in modules
    assert not any(m == "sqlalchemy" or m.startswith(("sqlalchemy.", "activities.registry")) for m in modules)
    consent = official.run("consent", case, "--as", f"{household}-head")
    assert consent.returncode == 0, consent.stderr
    # the notice as posted is printed from the case alone, and its posting recorded, without the registry
    _eventually(official, case, lambda doc: doc["stage"] == "notice" and doc["awaiting"])
    printed = official.run("notice", "print", case, "--out", str(tmp_path / "notice.html"))
    assert printed.returncode == 0, printed.stderr
    assert "公示" in (tmp_path / "notice.html").read_text(encoding="utf-8")
    posted = official.run("notice", "posted", case, "--as", f"{VILLAGE}-secretary",
                          "--at", datetime.now(timezone.utc).isoformat(), "--place", "村委会公示栏")
    assert posted.returncode == 0, posted.stderr
    objection = official.run("object", case, "--name", "村民戊", "--contact", "13500003333", "--reason", "收入不实")
    assert objection.returncode == 0, objection.stderr
    again = official.run("object", case, "--name", "村民戊", "--contact", "135 0000 3333", "--reason", "再次")
    assert again.returncode == 1 and "objected already" in again.stderr
    blank = official.run("object", case, "--name", "村民己", "--contact", "13500004444", "--reason", "   ")
    assert blank.returncode == 2
    shown = official.json("show", case)
    assert "13500003333" not in json.dumps(shown, ensure_ascii=False)
    resolved = official.run("resolve", case, "O1", "dismiss", "--as", f"{VILLAGE}-secretary", "--finding", "经核实无此情况")
    assert resolved.returncode == 0, resolved.stderr
    # the worker stored the contact in the registry under the case's reference
    from activities.registry.store import RegistryStore

    store = RegistryStore.from_url(f"sqlite:///{cli.env['TUOPIN_HOME']}/registry.db")
    ref = shown["objections"][0]["contact_ref"]
    with store.engine.connect() as conn:
        from sqlalchemy import text

        row = conn.execute(text("SELECT contact FROM objection_contacts WHERE contact_ref = :r"), {"r": ref}).one()
    assert row.contact == "13500003333"

