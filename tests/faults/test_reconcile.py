"""`tuopin registry reconcile` (starters/reconcile.py): it lists every disagreement planted in a copy
of the fault bench's registry, and finds none in the registry itself once every fault test ran."""

import asyncio
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from starters.reconcile import reconcile
from tests.faults.harness import RegistryFile

pytestmark = pytest.mark.timeout(120)


async def invoke(bench, *args: str, registry_url: str | None = None) -> Result:
    argv = ["--address", bench.server.address, "--registry-url", registry_url or bench.registry.url,
            "--task-queue", bench.task_queue, "--home", str(bench.root / "home"), *args]
    return await asyncio.to_thread(CliRunner().invoke, reconcile, argv)


def copy_registry(bench, name: str) -> RegistryFile:
    target = bench.root / name
    source, copy = sqlite3.connect(bench.registry.path), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return RegistryFile(target)


async def test_reconcile_lists_every_planted_disagreement(bench):
    cases = bench.cases
    h_exited, h_open, h_by_hand, h_double = (bench.household() for _ in range(4))
    c_exited = await cases.open(h_exited, notice_seconds=1)
    await cases.to_notice(c_exited, h_exited)
    await cases.township(c_exited)
    await cases.county(c_exited)
    c_double = await cases.open(h_double, notice_seconds=1)
    await cases.to_notice(c_double, h_double)
    await cases.township(c_double)
    await cases.county(c_double)
    c_open = await cases.open(h_open, notice_seconds=600)
    assert {(await cases.outcome(c, 60)).status for c in (c_exited, c_double)} == {"exited"}

    clean = await invoke(bench, "--json")
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.output)["disagreements"] == []

    planted = copy_registry(bench, "planted.db")
    at = datetime.now(timezone.utc).isoformat()
    ghost = f"household-exit/{h_by_hand}/2017"
    con = planted.connect()
    with con:
        con.execute("BEGIN")
        # exited by hand, naming a case that never ran
        con.execute("UPDATE households SET status='exited', exited_case_id=?, exited_year=2017 WHERE id=?", (ghost, h_by_hand))
        # a case that ended exited, its 销号 undone by hand (the logged change left behind)
        con.execute("UPDATE households SET status='poor', exited_case_id=NULL, exited_year=NULL WHERE id=?", (h_exited,))
        # exited in the registry by a case still open on Temporal
        con.execute("UPDATE households SET status='exited', exited_case_id=?, exited_year=2017 WHERE id=?", (c_open, h_open))
        con.execute("INSERT INTO status_changes (case_id, unit_type, year, unit_id, from_status, to_status, at) "
                    "VALUES (?, 'household', 2017, ?, 'poor', 'exited', ?)", (c_open, h_open, at))
        # a second 销号 of one household, by another case
        con.execute("INSERT INTO status_changes (case_id, unit_type, year, unit_id, from_status, to_status, at) "
                    "VALUES (?, 'household', 2018, ?, 'exited', 'exited', ?)", (f"household-exit/{h_double}/2018", h_double, at))
    con.close()

    found = await invoke(bench, "--json", registry_url=planted.url)
    assert found.exit_code == 1, found.output
    report = json.loads(found.output)
    kinds = {(d["kind"], d["unit_id"], d["case_id"]) for d in report["disagreements"]}
    assert kinds == {
        ("case_not_found", h_by_hand, ghost),
        ("exit_not_logged", h_by_hand, ghost),
        ("registry_not_exited", h_exited, c_exited),
        ("logged_exit_not_applied", h_exited, c_exited),
        ("case_not_exited", h_open, c_open),
        ("double_exit", h_double, f"{c_double}, household-exit/{h_double}/2018"),
    }, json.dumps(report["disagreements"], ensure_ascii=False, indent=1)
    by_kind = {d["kind"]: d for d in report["disagreements"]}
    assert by_kind["case_not_exited"]["workflow"] == "open (running)"
    assert by_kind["case_not_found"]["workflow"] == "no such case"
    assert by_kind["registry_not_exited"]["registry"] == "poor" and by_kind["registry_not_exited"]["workflow"] == "exited (completed)"
    assert report["ok"] is False and report["checked"]["exited_cases"] >= 2

    text = await invoke(bench, registry_url=planted.url)
    assert text.exit_code == 1 and "6 disagreements" in text.output and ghost in text.output, text.output
    assert "Traceback" not in text.output


async def test_reconcile_says_unreachable_and_usage_errors_plainly(bench, tmp_path: Path):
    missing = await invoke(bench, registry_url=f"sqlite:///{tmp_path / 'nowhere.db'}")
    assert missing.exit_code == 3 and "no registry" in missing.output, missing.output
    assert not (tmp_path / "nowhere.db").exists()  # a read-only command creates nothing
    garbage = await invoke(bench, registry_url="not a url")
    assert garbage.exit_code == 2, garbage.output
    down = await asyncio.to_thread(CliRunner().invoke, reconcile, [
        "--address", "127.0.0.1:1", "--registry-url", bench.registry.url, "--task-queue", bench.task_queue])
    assert down.exit_code == 3 and "cannot reach" in down.output, down.output
    bad_queue = await invoke(bench, "--task-queue", "x' OR '1'='1")
    assert bad_queue.exit_code == 2, bad_queue.output


@pytest.mark.run_last_in_faults
async def test_reconcile_finds_no_disagreement_after_the_fault_tests(bench):
    """Runs after every other fault test (tests/faults/conftest.py orders it last)."""
    result = await invoke(bench)
    assert result.exit_code == 0, result.output
    assert "no disagreements" in result.output
    report = json.loads((await invoke(bench, "--json")).output)
    assert report["ok"] and report["checked"]["registry_exits"] == report["checked"]["exited_cases"]
