"""Operators' side on a real dev server: setup, the inbox, reminders and escalation by Schedule,
the Web UI's summary and current details."""

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from activities.registry.outbox import outbox
from activities.registry.store import RegistryStore
from tests.e2e.conftest import codec_client, running_cli
from workers.settings import PROJECT_ROOT
from workflows import search_attributes as sa

VILLAGE = "changxiao-shaping"


@pytest.fixture(scope="module")
def ops(dev_server, tmp_path_factory):
    """A worker whose reminder limits are zero hours, so the first sweep reminds and escalates."""
    data = tmp_path_factory.mktemp("data")
    shutil.copytree(PROJECT_ROOT / "data", data, dirs_exist_ok=True)
    (data / "policy" / "reminders.json").write_text(json.dumps(
        {"default": {"remind_after_hours": 0, "escalate_after_hours": 0}}
    ))
    with running_cli(dev_server, tmp_path_factory.mktemp("ops-home"), "tuopin-e2e-ops", data) as cli:
        yield cli


def _open(cli, household: str) -> str:
    proc = cli.run("open", "household", household, "--year", "2017", "--as", f"{VILLAGE}-secretary", "--meeting", "M-1",
                   "--meeting-date", "2017-03-01", "--attendance", "30", "--result", "同意")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


async def _wait_for(predicate, seconds: float = 30):
    for _ in range(int(seconds * 5)):
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError("condition never held")


async def test_setup_inbox_reminders_and_ui_details(ops, dev_server):
    first = cli_setup = ops.json("setup")
    assert cli_setup["schedule"] == "tuopin-reminders"
    assert ops.json("setup")["schedule_created"] is False  # idempotent
    assert first["schedule_created"] is True

    case = _open(ops, f"{VILLAGE}-h001")
    inbox = await _wait_for(lambda: ops.json("inbox", "--as", f"{VILLAGE}-workteam"))
    assert [row["case_id"] for row in inbox] == [case]
    assert inbox[0]["awaiting"] == f"work_team@{VILLAGE}" and inbox[0]["waited_seconds"] >= 0
    assert ops.json("inbox", "--as", "changxiao-secretary") == []

    # the work team signs a second case, whose wait goes on for the village committees: its Awaiting
    # attribute still names the work team (domain/waits.py), but neither its inbox nor the sweep does
    second = _open(ops, f"{VILLAGE}-h002")
    signed = ops.run("decide", second, "approve", "--stage", "verification", "--as", f"{VILLAGE}-workteam")
    assert signed.returncode == 0, signed.stderr
    listed = await dev_server.client.get_workflow_handle(second).describe()
    assert f"work_team@{VILLAGE}" in listed.typed_search_attributes.get(sa.AWAITING)
    assert [row["case_id"] for row in ops.json("inbox", "--as", f"{VILLAGE}-workteam")] == [case]
    assert {row["case_id"] for row in ops.json("inbox", "--as", f"{VILLAGE}-secretary")} == {case, second}

    # the Web UI's summary and details come from the workflow's metadata (encrypted: read with the codec)
    handle = codec_client(dev_server, ops).get_workflow_handle(case)
    description = await handle.describe()
    assert await description.static_summary() == f"贫困户退出 · {VILLAGE}-h001 · 2017"
    metadata = await handle.query("__temporal_workflow_metadata")
    assert "Waiting for" in metadata.current_details and f"work_team@{VILLAGE}" in metadata.current_details

    await dev_server.client.get_schedule_handle("tuopin-reminders").trigger()
    store = RegistryStore.from_url(f"sqlite:///{Path(ops.env['TUOPIN_HOME']) / 'registry.db'}")
    rows = await _wait_for(lambda: [r for r in outbox(store, case) if r.kind == "escalation"] and outbox(store, case))
    sent = {(r.kind, r.recipient) for r in rows}
    assert {("reminder", f"village_secretary@{VILLAGE}"), ("reminder", f"work_team@{VILLAGE}")} <= sent
    assert ("escalation", "township_secretary@changxiao") in sent and ("escalation", "township_head@changxiao") in sent
    later = await _wait_for(lambda: [r for r in outbox(store, second) if r.kind == "escalation"] and outbox(store, second))
    assert ("reminder", f"village_secretary@{VILLAGE}") in {(r.kind, r.recipient) for r in later}
    assert f"work_team@{VILLAGE}" not in {r.recipient for r in later}, "who has signed is not reminded"
    shown = await _wait_for(lambda: ops.json("show", case)["reminders"])
    assert {r["kind"] for r in shown} == {"reminder", "escalation"}

    # a second sweep over the same wait sends nothing new
    before = len(outbox(store, case))
    await _wait_for_sweeps(dev_server.client, 1)
    await dev_server.client.get_schedule_handle("tuopin-reminders").trigger()
    await _wait_for_sweeps(dev_server.client, 2)
    assert len(outbox(store, case)) == before

    # a wait for one post alone is listed as published: the village director signs the second case,
    # whose household is then the only one awaited
    signed = ops.run("decide", second, "approve", "--stage", "verification", "--as", f"{VILLAGE}-director")
    assert signed.returncode == 0, signed.stderr
    head = f"{VILLAGE}-h002-head"
    assert [row["case_id"] for row in await _wait_for(lambda: ops.json("inbox", "--as", head))] == [second]
    assert second not in {row["case_id"] for row in ops.json("inbox", "--as", f"{VILLAGE}-secretary")}


async def _wait_for_sweeps(client, count: int) -> None:
    query = "WorkflowType = 'ReminderSweepWorkflow' AND ExecutionStatus = 'Completed'"
    for _ in range(150):
        if (await client.count_workflows(query)).count >= count:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"fewer than {count} reminder sweeps completed")
