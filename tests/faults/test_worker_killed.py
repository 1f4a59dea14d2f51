"""The worker process dies (SIGKILL) with cases in their public notice and with a 销号 written to
the registry but never reported to Temporal; a new worker process finishes every case, and each
household is marked exited exactly once.

How the "mid-activity" moment is made, deterministically and without touching product code:
1. a trigger on the registry refuses the case's status_changes row, so record_exit (公告 and 销号 in
   one transaction) fails: three quick attempts as a local activity, then a regular activity that
   retries (workflows/timeouts.py, REGISTRY_LOCAL_FIRST);
2. the test takes the registry's write lock and drops the trigger inside that (uncommitted)
   transaction: the next attempt of record_exit blocks in SQLite's busy wait, mid-activity;
3. the worker's link to the server is cut (tests/faults/link.py), the lock released: the attempt
   commits the 销号 and cannot report it; the test sees the row in the registry and SIGKILLs the
   worker. (Freezing the server instead, as this test first did, lost the report only most of the
   time: a worker that sent it in the moment before the kill had it read by the thawed server.)
The server learns nothing of the dead worker: it retries the attempt when its start-to-close
timeout (60 s, workflows/timeouts.py) runs out, on the new worker; record_exit must then find the
rows it wrote and not write them a second time.
"""

import asyncio
import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.faults.harness import COUNTY_MEETING, STARTED, eventually
from tests.support.driver import CH
from workflows import search_attributes as sa

NOTICE_SECONDS = 25  # long enough to be open when the worker dies, short enough for the test

pytestmark = pytest.mark.timeout(300)


async def test_a_killed_worker_is_replaced_and_every_case_exits_once(bench, link):
    cases, registry = bench.cases, bench.registry

    # -- a case at its last signature, and two cases in their notice ---------------------------
    last = bench.household()
    c_last = await cases.at_last_signature(last)
    in_notice = [bench.household() for _ in range(2)]
    c_notice = [await cases.open(h, notice_seconds=NOTICE_SECONDS) for h in in_notice]
    for case, household in zip(c_notice, in_notice):
        await cases.to_notice(case, household)

    # -- record_exit of c_last: refused by the trigger, retrying ------------------------------
    trigger = registry.hold_exits(c_last)
    await cases.pass_of(c_last)
    await cases.send(c_last, cases.signed(c_last, "county_approval", CH, meeting_ref=COUNTY_MEETING))

    await eventually(lambda: cases.waiting_for(c_last, "record_exit"), 30, "record_exit to fail on the held registry and retry")
    # the announcements are written with the 销号 or not at all
    assert registry.query("SELECT id FROM announcements WHERE case_id = ?", c_last) == []

    # -- the next attempt blocks on the registry's write lock ----------------------------------
    lock = registry.lock()
    lock.execute(f"DROP TRIGGER {trigger}")
    locked_at = datetime.now(timezone.utc)

    async def blocked(since: datetime):
        pending = await cases.pending_activity(c_last, "record_exit")
        return pending if pending is not None and pending.state == STARTED and (
            pending.last_started_time.ToDatetime(tzinfo=timezone.utc) > since) else None

    since = locked_at
    while True:
        attempt = await eventually(lambda: blocked(since), 40, "an attempt of record_exit against the locked registry", 0.1)
        await asyncio.sleep(0.3)  # it is now in SQLite's busy wait (10 s from its start)
        started = attempt.last_started_time.ToDatetime(tzinfo=timezone.utc)
        if datetime.now(timezone.utc) - started < timedelta(seconds=5):
            break
        since = datetime.now(timezone.utc)  # (a slow machine: too little of the busy wait left; the next one)
    assert registry.exit_rows(last) == []
    notices_before = {c: (await cases.show(c)).current_notice() for c in c_notice}

    # -- the 销号 is written, never reported, and the worker dies --------------------------------
    link.cut()
    registry.release(commit=True)  # the lock goes and the trigger with it
    deadline = time.monotonic() + 10
    while not registry.exit_rows(last):
        assert time.monotonic() < deadline, "the blocked record_exit did not write the 销号"
        await asyncio.sleep(0.02)
    killed_at = datetime.now(timezone.utc)
    bench.worker.kill()

    for case, window in notices_before.items():  # these two died in the middle of their notice
        assert window is not None and window.closed_at is None and window.closes_at > killed_at, case
    assert registry.household(last)[:2] == ("exited", c_last)
    described = await bench.client.get_workflow_handle(c_last).describe()  # (no worker to answer a query)
    assert described.typed_search_attributes.get(sa.CASE_STATUS) == "open"  # Temporal has not heard of the 销号
    pending = await cases.pending_activity(c_last, "record_exit")
    assert pending is not None and pending.attempt == attempt.attempt and pending.state == STARTED

    # -- a new worker finishes every case ----------------------------------------------------------
    new_worker = await bench.replace_worker()
    for case in c_notice:
        await cases.township(case, timeout=NOTICE_SECONDS + 30)
        await cases.county(case)
    outcomes = {case: await cases.outcome(case, timeout=120) for case in [c_last, *c_notice]}

    assert {o.status for o in outcomes.values()} == {"exited"}, outcomes
    # the server retried the lost attempt on the new worker, which found the 销号 already written
    retried = [line for line in new_worker.log_tail(10**7).splitlines() if '"unit_exited' in line and c_last in line]
    assert retried and _attempt_of(retried[0]) == attempt.attempt + 1, retried
    for household, case in [(last, c_last), *zip(in_notice, c_notice)]:
        assert registry.exit_rows(household) == [(case, "household", "poor", "exited")], household
        assert registry.household(household) == ("exited", case, 2017)
        assert len(registry.query("SELECT id FROM announcements WHERE case_id = ?", case)) == 2
        state = await cases.show(case)
        assert state.registry_change["case_id"] == case and state.registry_change["to_status"] == "exited"
        assert [n.outcome for n in state.notices] == ["passed"]
        assert await cases.task_failures(case) == [], case
    assert (await bench.reconcile())["disagreements"] == []


def _attempt_of(log_line: str) -> int | None:
    """The activity attempt a worker's JSON log line names (its Temporal context, observability/)."""
    def find(value: object) -> int | None:
        if isinstance(value, dict):
            if isinstance(value.get("attempt"), int):
                return value["attempt"]
            return next((a for a in map(find, value.values()) if a is not None), None)
        return None

    return find(json.loads(log_line))
