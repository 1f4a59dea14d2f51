"""The worker dies (SIGKILL) inside a local activity: the registry transaction of 公告 + 销号 has
committed, but the workflow task that ran it was never completed, so Temporal has no record of it.
The server gives the workflow task to a new worker when its timeout runs out; the new worker runs
record_exit again, which finds the rows it wrote and writes nothing twice.

The moment is made as in test_worker_killed.py: the registry's write lock holds the local activity
in SQLite's busy wait; the worker's link to the server is cut, the lock released, the rows appear,
the worker is killed."""

import asyncio
import time

import pytest

from starters.errors import Unreachable
from tests.faults.harness import COUNTY_MEETING, eventually
from tests.support.driver import CH

pytestmark = pytest.mark.timeout(240)


@pytest.mark.parametrize("head_kept", [False, True], ids=["killed-after-the-exit", "killed-after-the-final-head"])
async def test_a_worker_killed_inside_a_local_activity_is_replaced_and_the_exit_is_written_once(bench, link, head_kept):
    """`head_kept`: the killed worker also got to keep its final dossier head (the next local activity
    of the same task) before it died; the new worker's head, the one its history holds, replaces it."""
    cases, registry = bench.cases, bench.registry
    household = bench.household()
    case = await cases.at_last_signature(household)

    def decisions_logged() -> int:
        return sum(1 for line in bench.worker.log_tail(10**7).splitlines() if "decision_recorded" in line and case in line)

    async def one_more_decision() -> bool:
        return decisions_logged() > before

    before = decisions_logged()
    registry.lock()
    try:
        await cases.pass_of(case)
        last = asyncio.create_task(cases.send(case, cases.signed(case, "county_approval", CH, meeting_ref=COUNTY_MEETING)))
        # the last signature is recorded, and record_exit (a local activity in the same workflow
        # task) now waits on the registry's write lock
        await eventually(one_more_decision, 30, "the last county signature to be recorded", 0.05)
        await asyncio.sleep(0.5)
        assert registry.exit_rows(household) == []
        link.cut()
        registry.release(commit=True)
        deadline = time.monotonic() + 15
        while not registry.exit_rows(household):
            assert time.monotonic() < deadline, "record_exit did not write the 销号 once the lock went"
            await asyncio.sleep(0.02)
        while head_kept and not registry.query("SELECT head FROM case_heads WHERE case_id = ?", case):
            assert time.monotonic() < deadline, "the killed worker did not keep its final head"
            await asyncio.sleep(0.02)
        bench.worker.kill()
    finally:
        registry.release()

    described = await bench.client.get_workflow_handle(case).describe()
    assert described.status.name == "RUNNING"  # Temporal has not heard of the 销号
    new_worker = await bench.replace_worker()
    outcome = await cases.outcome(case, timeout=120)
    assert outcome.status == "exited", outcome
    try:  # the update that was in flight is answered by the new worker...
        await asyncio.wait_for(last, 60)
    except Unreachable as gave_up:  # ...or the client stopped waiting first, saying so (UPDATE_WAIT)
        assert gave_up.kind == "not_applied" and "sent, not yet applied" in str(gave_up), gave_up
    # either way the case took the signature once: it exited, and the signature counts once
    assert [d.official_id for d in (await cases.show(case)).decisions].count(CH) == 1

    # the new worker ran record_exit again and found the rows already there
    again = [line for line in new_worker.log_tail(10**7).splitlines() if '"unit_exited' in line and case in line]
    assert again, "the new worker did not run record_exit again"
    assert registry.exit_rows(household) == [(case, "household", "poor", "exited")]
    assert registry.household(household) == ("exited", case, 2017)
    assert len(registry.query("SELECT id FROM announcements WHERE case_id = ?", case)) == 2
    state = await cases.show(case)
    assert state.registry_change["case_id"] == case and [a.level for a in state.announcements] == ["township", "village"]
    # the final head the registry keeps is the one in the case's history (whether or not the killed
    # worker got to keep its own, which no history holds: tests/dossier/test_final_head.py)
    closing = state.anchors[-1].statement
    assert closing.final and registry.query("SELECT entry_count, head FROM case_heads WHERE case_id = ?", case) == [
        (closing.count, closing.head)]
    assert await cases.task_failures(case) == []
    assert (await bench.reconcile())["disagreements"] == []
