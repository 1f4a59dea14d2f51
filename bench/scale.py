"""`make bench-scale`: 10,000 household cases open at once, all waiting in their notice window on one
dev server, then all of those windows ending together (as a Qingliu midnight ends them) and closing.

    python -m bench.scale [--cases 10000] [--concurrency 64] [--timeout-minutes 120]

1. A pilot of 200 extra cases (fewer for a small run) measures how fast cases reach their notice here.
2. The measured cases are opened, verified twice and consented (4 client calls each, through
   starters.cases), each with a simulated notice ending at one common moment, T_end, chosen from the
   pilot rate with a margin so that the last case is in its window before the first one ends.
3. Just before T_end: how many cases are in their notice at once (the visibility store's count).
4. After T_end: how long until every window has closed and its case moved on to township review.
Worker RSS, dev-server RSS and the server's SQLite size are sampled throughout. Writes
bench/results/scale-<time>.json and prints a Markdown summary. Bounded by --timeout-minutes.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from activities.registry.store import RegistryStore
from bench import registry as reg
from bench.common import RESULTS, CpuMeter, peak_rss_mb, percentile, rss_mb, stop_on_sigterm
from bench.drivers import Timings, TuopinDriver, run_cases
from bench.stack import Stack, new_run_dir, remove_run_dir
from domain.case import CaseState
from starters.reconcile import reconcile_registry

PILOT = 200
MIN_NOTICE = 60


def db_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
    return round(total / 2**20, 1)


class Sampler:
    """RSS of the worker and the server, and the server DB's size, every few seconds."""

    def __init__(self, stack: Stack, every: float = 10.0) -> None:
        self.stack, self.every, self.samples = stack, every, []
        self.t0 = time.monotonic()

    def sample(self, label: str = "") -> dict[str, Any]:
        s = {
            "t_s": round(time.monotonic() - self.t0, 1), "label": label,
            "worker_rss_mb": rss_mb(self.stack.tuopin_worker.pid), "server_rss_mb": rss_mb(self.stack.server_pid),
            "server_db_mb": db_mb(self.stack.server_db),
        }
        self.samples.append(s)
        return s

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.every)


async def count(stack: Stack, query: str) -> int:
    return (await stack.client.count_workflows(query)).count


async def main(args: argparse.Namespace) -> dict[str, Any]:
    deadline = time.monotonic() + args.timeout_minutes * 60
    pilot_n = min(PILOT, max(20, args.cases // 10))
    stack = Stack(new_run_dir("tuopin-scale-"), households=args.cases + pilot_n)
    result: dict[str, Any] = {"kind": "scale", "config": {k: str(v) for k, v in vars(args).items()}}
    print(f"scale: building a registry of {args.cases + pilot_n} households ...", file=sys.stderr, flush=True)
    await stack.start(bare=False)
    result["setup"] = dict(stack.timings)
    sampler = Sampler(stack)
    sampling = asyncio.create_task(sampler.run())
    driver = TuopinDriver(stack.client, stack.settings, notice_seconds=MIN_NOTICE)
    try:
        # 1. the pilot: its own households, a short window; not counted
        pilot_households = [reg.household_id(i) for i in range(args.cases + 1, args.cases + pilot_n + 1)]
        async def pilot_case(household: str, t: Timings) -> None:
            t.case_ids.append(await driver.to_notice(household, t, MIN_NOTICE))

        pilot, pilot_wall = await run_cases(pilot_case, pilot_households, args.concurrency)
        rate = pilot_n / pilot_wall
        open_budget = max(args.cases / rate * args.margin + 30, MIN_NOTICE + 10)  # no window shorter than MIN_NOTICE
        result["pilot"] = {"cases": pilot_n, "wall_s": round(pilot_wall, 1), "cases_per_s": round(rate, 2),
                           "errors": len(pilot.errors)}
        print(f"pilot: {rate:.2f} cases/s to their notice; all {args.cases} windows will end in {open_budget:.0f} s",
              file=sys.stderr, flush=True)
        # 2. the measured cases, all windows ending at t_end
        t_end = time.time() + open_budget + 1.1
        progress = {"done": 0}

        async def to_notice(household: str, t: Timings) -> None:
            notice = max(MIN_NOTICE, int(t_end - time.time()) + 1)
            t.case_ids.append(await driver.to_notice(household, t, notice))
            progress["done"] += 1
            if progress["done"] % 1000 == 0:
                print(f"  {progress['done']} cases in their notice; {sampler.sample('progress')}", file=sys.stderr, flush=True)

        # the measured cases are told apart by StartTime (the pilot's cases started before this moment)
        since = datetime.fromtimestamp(int(time.time()) + 1, timezone.utc)
        measured_since = since.isoformat(timespec="seconds").replace("+00:00", "Z")
        await asyncio.sleep(since.timestamp() - time.time() + 0.2)
        mine = f"ExitType = 'household' AND CaseStatus = 'open' AND StartTime > '{measured_since}'"
        meter = CpuMeter({"worker": stack.tuopin_worker.pid, "server": stack.server_pid, "driver": os.getpid()}).start()
        households = [reg.household_id(i) for i in range(1, args.cases + 1)]
        timings, open_wall = await run_cases(to_notice, households, args.concurrency)
        open_cpu = meter.stop()
        opened = len(timings.case_ids)
        result["open_phase"] = {
            "cases": opened, "errors": len(timings.errors), "first_errors": timings.errors[:5],
            "wall_s": round(open_wall, 1), "cases_per_s": round(opened / open_wall, 2),
            "client_calls_per_case": 4,
            "open_p50_ms": round(percentile(timings.opens, 50) * 1000), "open_p99_ms": round(percentile(timings.opens, 99) * 1000),
            "decision_p50_ms": round(percentile(timings.decisions, 50) * 1000),
            "decision_p99_ms": round(percentile(timings.decisions, 99) * 1000),
            "cpu_ms_per_case": {k: round(v * 1000 / max(1, opened), 1) for k, v in open_cpu.items()},
            "seconds_left_before_windows_end": round(t_end - time.time(), 1),
        }
        print(f"opened {opened} in {open_wall:.0f} s ({opened / open_wall:.2f}/s), {len(timings.errors)} errors",
              file=sys.stderr, flush=True)
        # 3. all of them in their window at once?
        await asyncio.sleep(max(0.0, t_end - time.time() - 5))
        in_notice = await count(stack, f"{mine} AND CaseStage = 'notice'")
        result["at_window_end"] = {"in_notice_at_once": in_notice, **sampler.sample("window_end")}
        print(f"{in_notice} cases in their notice 5 s before the windows end", file=sys.stderr, flush=True)
        # 4. the windows end: how long until all have closed and moved on
        meter = CpuMeter({"worker": stack.tuopin_worker.pid, "server": stack.server_pid}).start()
        marks: dict[str, float] = {}
        moved = 0
        while time.monotonic() < deadline:
            moved = await count(stack, f"{mine} AND CaseStage = 'township_review'")
            for frac in (0.5, 0.9, 0.99, 1.0):
                if moved >= frac * opened and str(frac) not in marks:
                    marks[str(frac)] = round(time.time() - t_end, 1)
            if moved >= opened:
                break
            await asyncio.sleep(2)
        close_cpu = meter.stop()
        lateness = []
        for cid in timings.case_ids[:: max(1, opened // 200)]:
            state = await stack.client.get_workflow_handle(cid).query("state", result_type=CaseState)
            if state.notices and state.notices[0].closed_at is not None:
                lateness.append((state.notices[0].closed_at - state.notices[0].closes_at).total_seconds())
        result["close_phase"] = {
            "closed_and_moved_on": moved, "of": opened,
            "seconds_after_window_end_until_fraction_closed": marks,
            "close_lateness_s_sampled": {"n": len(lateness), "p50": percentile(lateness, 50), "max": max(lateness) if lateness else None},
            "cpu_s": close_cpu, **sampler.sample("closed"),
        }
        print(f"{moved}/{opened} closed; {marks}", file=sys.stderr, flush=True)
        # 5. the pilot's cases go on to 销号, then the registry is reconciled with every case
        result["reconcile"] = await finish_and_reconcile(stack, driver, pilot.case_ids, args.concurrency)
        print(f"reconcile: {result['reconcile']['checked']}, {len(result['reconcile']['disagreements'])} disagreements",
              file=sys.stderr, flush=True)
    finally:
        sampling.cancel()
        result["worker_peak_rss_mb"] = peak_rss_mb(stack.tuopin_worker.pid)
        result["server_peak_rss_mb"] = peak_rss_mb(stack.server_pid)
        result["server_db_mb_at_end"] = db_mb(stack.server_db)
        result["registry_db_mb"] = db_mb(stack.run_dir / "bench-registry.db")
        result["samples"] = sampler.samples
        result["worker_exit"] = await stack.close()
        if not args.keep:
            remove_run_dir(stack.run_dir)
    result["at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return result


async def finish_and_reconcile(stack: Stack, driver: TuopinDriver, case_ids: list[str], concurrency: int) -> dict[str, Any]:
    """Takes cases waiting at township review to 销号, then compares the registry with every case
    (`tuopin registry reconcile`): it should find no disagreement."""
    ids = iter(case_ids)

    async def finish(_: str, t: Timings) -> None:
        await driver.finish(next(ids), t)

    finished, wall = await run_cases(finish, list(case_ids), concurrency)
    report = await reconcile_registry(stack.client, RegistryStore.from_url(stack.registry_url), stack.settings.task_queue)
    return {"finished_to_exit": len(case_ids) - len(finished.errors), "finish_errors": finished.errors[:5],
            "finish_wall_s": round(wall, 1), **report}


def markdown(r: dict[str, Any]) -> str:
    o, w, c, rc = r.get("open_phase", {}), r.get("at_window_end", {}), r.get("close_phase", {}), r.get("reconcile", {})
    peak_db = max((s["server_db_mb"] for s in r["samples"]), default=None)
    return "\n".join([
        f"| scale run: {o.get('cases')} household cases | |",
        "|---|---:|",
        f"| start rate (open + 2 verifications + consent, {r['config']['concurrency']} in flight) | {o.get('cases_per_s')} cases/s ({o.get('wall_s')} s) |",
        f"| open p50 / p99 under that load | {o.get('open_p50_ms')} / {o.get('open_p99_ms')} ms |",
        f"| decision p50 / p99 under that load | {o.get('decision_p50_ms')} / {o.get('decision_p99_ms')} ms |",
        f"| cases in their notice window at once | {w.get('in_notice_at_once')} |",
        f"| worker RSS with all of them open / peak | {w.get('worker_rss_mb')} / {r.get('worker_peak_rss_mb')} MB |",
        f"| dev server RSS with all of them open / peak | {w.get('server_rss_mb')} / {r.get('server_peak_rss_mb')} MB |",
        f"| server DB (SQLite + WAL) with all of them open / at the end | {w.get('server_db_mb')} / {r.get('server_db_mb_at_end')} MB (peak {peak_db}) |",
        f"| windows closed and cases moved on | {c.get('closed_and_moved_on')} of {c.get('of')} |",
        "| seconds after the common window end until 50 / 90 / 99 / 100 % closed | "
        + " / ".join(str(c.get("seconds_after_window_end_until_fraction_closed", {}).get(k, "–")) for k in ("0.5", "0.9", "0.99", "1.0")) + " |",
        f"| errors | {o.get('errors')} |",
        f"| `registry reconcile` at the end ({rc.get('checked', {}).get('cases')} cases, "
        f"{rc.get('checked', {}).get('exited_cases')} exited) | {len(rc.get('disagreements', [])) if rc else '–'} disagreements |",
    ])


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--margin", type=float, default=1.5, help="open-phase budget over the pilot's estimate")
    parser.add_argument("--timeout-minutes", type=float, default=120)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    stop_on_sigterm()
    result = asyncio.run(main(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"scale-{args.cases}-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(markdown(result))
    print(f"\n(JSON: {out})")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    cli()
