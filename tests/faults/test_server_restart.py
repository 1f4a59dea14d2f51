"""The Temporal dev server process dies (SIGKILL) and is started again on its SQLite file and port:
the worker process rides it out, cases in their notice, at a signature and just opened go on, and
the command line says "cannot be reached" (exit 3) while it is down."""

import asyncio
import subprocess

import pytest

from starters import cases as case_steps
from tests.faults.harness import COUNTY_MEETING, TUOPIN, start_bench, stop_bench
from tests.support.driver import CH, VD, WT

pytestmark = pytest.mark.timeout(180)


async def test_cases_go_on_after_the_dev_server_restarts_on_its_file(tmp_path):
    bench = await start_bench(tmp_path / "restart", "tuopin-restart-simulation", eligible=4)
    try:
        cases, registry = bench.cases, bench.registry
        h_notice, h_last, h_new = bench.household(), bench.household(), bench.household()
        c_notice = await cases.open(h_notice, notice_seconds=12)
        await cases.to_notice(c_notice, h_notice)
        c_last = await cases.open(h_last, notice_seconds=1)
        await cases.to_notice(c_last, h_last)
        await cases.township(c_last)
        await cases.county(c_last, last=False)
        c_new = await cases.open(h_new, notice_seconds=1)
        worker_pid = bench.worker.proc.pid

        bench.server.kill()
        down = await asyncio.to_thread(
            subprocess.run, [TUOPIN, "show", c_notice, "--json"], env=bench.worker.env, capture_output=True,
            text=True, timeout=60, stdin=subprocess.DEVNULL,
        )
        assert down.returncode == 3, (down.returncode, down.stdout, down.stderr)
        assert "Traceback" not in down.stderr and "unreachable" in down.stdout, down.stdout
        await asyncio.sleep(2)
        await bench.server.start()

        await cases.pass_of(c_last)
        await cases.send(c_last, cases.signed(c_last, "county_approval", CH, meeting_ref=COUNTY_MEETING))
        await cases.decide(c_new, "verification", VD)
        await cases.decide(c_new, "verification", WT)
        await case_steps.consent(cases.client, cases.settings, c_new,
                                 case_steps.ConsentCommand(official_id=f"{h_new}-head"))
        for case in (c_notice, c_new):
            await cases.township(case, timeout=60)
            await cases.county(case)
        outcomes = {c: await cases.outcome(c, timeout=60) for c in (c_notice, c_last, c_new)}

        assert {o.status for o in outcomes.values()} == {"exited"}, outcomes
        assert bench.worker.running and bench.worker.proc.pid == worker_pid, "the worker did not ride out the restart"
        for household, case in ((h_notice, c_notice), (h_last, c_last), (h_new, c_new)):
            assert registry.exit_rows(household) == [(case, "household", "poor", "exited")]
            assert await cases.task_failures(case) == []
        assert (await bench.reconcile())["disagreements"] == []
    finally:
        running = bench.worker.running
        code = await asyncio.to_thread(stop_bench, bench)
    assert code == 0 or not running, f"the worker did not stop cleanly ({code}): {bench.worker.log_tail()}"
