"""`tuopin decide` as a whole process: interpreter start, imports, registry look-up and signing,
connect, update accepted, exit. p50 over 20 runs against a running dev server and worker. And
`tuopin inbox` as a whole process when the visibility store lists INBOX_CASES cases for the official
and the official has signed half of them already (so each listed case is asked who it still needs,
domain/waits.py), against `tuopin list` of the same cases (visibility alone) in the same run.

    python -m bench.cli_latency [--runs 20]     # its own dev server, worker and bench registry
"""

import argparse
import asyncio
import json
import subprocess
import sys
import time
from typing import Any

from bench import registry as reg
from bench.common import BIN, RESULTS, percentile, stop_on_sigterm
from bench.drivers import Timings, TuopinDriver
from bench.stack import Stack, new_run_dir, remove_run_dir

TUOPIN = str(BIN / "tuopin")
INBOX_CASES = 100


def _run(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    proc = subprocess.run([TUOPIN, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    return time.perf_counter() - t0, proc


async def measure(stack: Stack, households: list[str], runs: int = 20) -> dict[str, Any]:
    """Opens enough cases, then times `runs` verification decisions, each a fresh `tuopin` process."""
    driver = TuopinDriver(stack.client, stack.settings, notice_seconds=3600)
    t = Timings()
    cids = [await driver.open(h, t) for h in households[: (runs + 1) // 2]]
    env = stack.cli_env()
    decide, failures = [], []
    for n in range(runs):
        cid, official = cids[n // 2], (reg.VD, reg.WT)[n % 2]
        seconds, proc = await asyncio.to_thread(
            _run, ["decide", cid, "approve", "--stage", "verification", "--as", official, "--json"], env
        )
        if proc.returncode != 0:
            failures.append(f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
        decide.append(seconds)
    helps = [(await asyncio.to_thread(_run, ["--help"], env))[0] for _ in range(5)]
    return {
        "runs": runs,
        "decide_p50_ms": round(percentile(decide, 50) * 1000),
        "decide_p90_ms": round(percentile(decide, 90) * 1000),
        "decide_min_ms": round(min(decide) * 1000),
        "decide_max_ms": round(max(decide) * 1000),
        "help_p50_ms": round(percentile(helps, 50) * 1000),
        "failures": failures,
    }


async def measure_inbox(stack: Stack, households: list[str], runs: int = 5) -> dict[str, Any]:
    """Opens a case for each household (each then awaits the village committees and the work team),
    has the work team sign every other one, and times `inbox --as <work team>` and `list` of them."""
    driver = TuopinDriver(stack.client, stack.settings, notice_seconds=3600)
    t = Timings()
    cids = [await driver.open(h, t) for h in households]
    for cid in cids[::2]:
        await driver.decide(cid, "verification", reg.WT, t)
    waiting = set(cids[1::2])
    query = f"CaseStatus = 'open' AND Awaiting = 'work_team@{reg.VILLAGE}'"
    for _ in range(100):  # the visibility store lists what the cases published a moment later
        if (await stack.client.count_workflows(query)).count >= len(cids):
            break
        await asyncio.sleep(0.1)
    env = stack.cli_env()
    listing = ["list", "--type", "household", "--township", reg.TOWNSHIP, "--stage", "verification", "--status", "open",
               "--json"]
    inbox_s, list_s, failures = [], [], []
    for _ in range(runs):
        seconds, proc = await asyncio.to_thread(_run, ["inbox", "--as", reg.WT, "--json"], env)
        shown = {row["case_id"] for row in json.loads(proc.stdout)} if proc.returncode == 0 else set()
        if proc.returncode != 0 or shown != waiting:
            failures.append(f"inbox exit {proc.returncode}, {len(shown)} shown of {len(waiting)}: {proc.stderr.strip()[-300:]}")
        inbox_s.append(seconds)
        seconds, proc = await asyncio.to_thread(_run, listing, env)
        if proc.returncode != 0:
            failures.append(f"list exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
        list_s.append(seconds)
    inbox_p50, list_p50 = percentile(inbox_s, 50), percentile(list_s, 50)
    return {
        "runs": runs,
        "listed": len(cids),
        "still_awaiting": len(waiting),
        "inbox_p50_ms": round(inbox_p50 * 1000),
        "list_p50_ms": round(list_p50 * 1000),
        "inbox_over_list": round(inbox_p50 / list_p50, 2),
        "failures": failures,
    }


async def _main(runs: int) -> dict[str, Any]:
    stack = Stack(new_run_dir("tuopin-cli-"), households=runs + INBOX_CASES)
    try:
        await stack.start(bare=False)
        result = await measure(stack, [reg.household_id(i) for i in range(1, runs + 1)], runs)
        inbox = [reg.household_id(i) for i in range(runs + 1, runs + INBOX_CASES + 1)]
        return {**result, "inbox": await measure_inbox(stack, inbox)}
    finally:
        await stack.close()
        remove_run_dir(stack.run_dir)


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    stop_on_sigterm()
    result = asyncio.run(_main(args.runs))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cli-latency.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
