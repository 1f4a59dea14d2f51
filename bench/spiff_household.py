"""The peer a Python team would otherwise pick: the household procedure in BPMN
(bench/household_exit.bpmn) on SpiffWorkflow, run as a stateless handler would run it.

Every step (open, each of the 8 signatures, the timer firing) is one request: load the case's
state from SQLite (WAL), deserialise it with SpiffWorkflow's own serializer, complete the user task
(or refresh the timers), run the engine steps (script tasks stand for the registry calls and, like
the bare Temporal workflow's activities, do nothing), serialise, write, commit. A sweeper would
fire due timers; here the driver fires each case's timer as soon as it is due.

    python -m bench.spiff_household run --db F --first 1 --count 100 --window 16 --notice-seconds 1

prints `ready` once set up, waits for a line on stdin, runs, then prints one JSON line of results.
"""

import argparse
import json
import resource
import sqlite3
import sys
import time
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

BPMN = Path(__file__).with_name("household_exit.bpmn")
PROCESS_ID = "household_exit"
NOTICE_STAGE = "notice"

# the driver's sequence of requests: (user task, official, meeting) or the timer
STEPS: list[tuple[str, str | None]] = [
    ("village_committees", None),
    ("work_team", None),
    ("household_consent", None),
    (NOTICE_STAGE, None),
    ("township_secretary", "长校镇党委会议〔2017〕9号"),
    ("township_head", "长校镇党委会议〔2017〕9号"),
    ("county_group", "县扶贫领导小组会议〔2017〕3号"),
    ("county_secretary", "县委常委会〔2017〕12号"),
    ("county_head", "县委常委会〔2017〕12号"),
]


class Refused(Exception):
    """The case is not waiting for that step."""


def registry_step(case_id: str, step: str) -> None:
    """Stands for a registry call, like the bare workflow's activity: does nothing."""


class SpiffHandler:
    """Parsed once per process (as a web app would at start-up); every call is one stateless request."""

    def __init__(self, db: Path) -> None:
        parser = BpmnParser()
        parser.add_bpmn_file(str(BPMN))
        self.spec = parser.get_spec(PROCESS_ID)
        self.engine = PythonScriptEngine(environment=TaskDataEnvironment({"registry_step": registry_step}))
        self.serializer = BpmnWorkflowSerializer()
        self.conn = connect(db)
        self.writes = 0
        self.state_bytes = 0

    # -- requests -----------------------------------------------------------------------------
    def open_case(self, case_id: str, notice_seconds: int, first: dict[str, Any]) -> dict[str, Any]:
        wf = BpmnWorkflow(self.spec, script_engine=self.engine)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(case_id=case_id, notice_duration=f"PT{notice_seconds}S")
        wf.do_engine_steps()
        self._complete(wf, "appraisal", first)
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self._save(case_id, wf, insert=True)
        return self._ack(case_id, wf)

    def decide(self, case_id: str, slot: str, decision: dict[str, Any]) -> dict[str, Any]:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            wf = self._load(case_id)
            self._complete(wf, slot, decision)
            self._save(case_id, wf)
        return self._ack(case_id, wf)

    def fire_timers(self, case_id: str) -> dict[str, Any]:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            wf = self._load(case_id)
            wf.refresh_timers()
            wf.do_engine_steps()
            self._save(case_id, wf)
        return self._ack(case_id, wf)

    # -- state --------------------------------------------------------------------------------
    def _complete(self, wf: BpmnWorkflow, slot: str, data: dict[str, Any]) -> None:
        task = next((t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.name == slot), None)
        if task is None:
            raise Refused(f"not waiting for {slot}")
        task.data[f"decision_{slot}"] = data
        task.run()
        wf.do_engine_steps()

    def _load(self, case_id: str) -> BpmnWorkflow:
        row = self.conn.execute("SELECT state FROM cases WHERE case_id = ?", (case_id,)).fetchone()
        if row is None:
            raise Refused(f"no case {case_id}")
        wf = self.serializer.deserialize_json(row[0])
        wf.script_engine = self.engine
        return wf

    def _save(self, case_id: str, wf: BpmnWorkflow, insert: bool = False) -> None:
        state = self.serializer.serialize_json(wf)
        due = timer_due(wf)
        status = "exited" if wf.is_completed() else "open"
        if insert:
            self.conn.execute("INSERT INTO cases (case_id, state, status, timer_due) VALUES (?, ?, ?, ?)",
                              (case_id, state, status, due))
        else:
            self.conn.execute("UPDATE cases SET state = ?, status = ?, timer_due = ? WHERE case_id = ?",
                              (state, status, due, case_id))
        self.writes += 1
        self.state_bytes = len(state)

    @staticmethod
    def _ack(case_id: str, wf: BpmnWorkflow) -> dict[str, Any]:
        waiting = sorted(t.task_spec.name for t in wf.get_tasks(state=TaskState.READY, manual=True))
        return {"case_id": case_id, "waiting": waiting, "timer_due": timer_due(wf), "completed": wf.is_completed()}


def timer_due(wf: BpmnWorkflow) -> float | None:
    for event in wf.waiting_events():
        if event.event_type.endswith("TimerEventDefinition") and event.value:
            return datetime.fromisoformat(event.value).timestamp()
    return None


def connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def init_db(db: Path) -> None:
    conn = connect(db)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS cases (case_id TEXT PRIMARY KEY, state TEXT NOT NULL, status TEXT NOT NULL,"
        " timer_due REAL)"
    )
    conn.close()


def decision(slot: str, meeting: str | None) -> dict[str, Any]:
    return {"stage": slot, "official_id": f"bench-{slot}", "outcome": "approve", "meeting_ref": meeting,
            "signed_at": datetime.now(timezone.utc).isoformat()}


def drive(handler: SpiffHandler, case_ids: list[str], window: int, notice_seconds: int) -> dict[str, Any]:
    """Round-robin over up to `window` open cases, one request at a time, as interleaved requests would come."""
    latencies: list[float] = []
    opens: list[float] = []
    pending = deque(case_ids)
    running: deque[list[Any]] = deque()  # [case_id, next step index, timer due]
    exited = 0
    while pending or running:
        while pending and len(running) < window:
            cid = pending.popleft()
            t0 = time.perf_counter()
            handler.open_case(cid, notice_seconds, decision("appraisal", "基准村民主评议〔2017〕1号"))
            opens.append(time.perf_counter() - t0)
            running.append([cid, 0, None])
        progressed = False
        for _ in range(len(running)):
            case = running.popleft()
            cid, step, due = case
            slot, meeting = STEPS[step]
            if slot == NOTICE_STAGE:
                if due is None or due > time.time():
                    running.append(case)
                    continue
                handler.fire_timers(cid)
            else:
                t0 = time.perf_counter()
                ack = handler.decide(cid, slot, decision(slot, meeting))
                latencies.append(time.perf_counter() - t0)
                if ack["timer_due"] is not None:
                    case[2] = ack["timer_due"]
            progressed = True
            case[1] += 1
            if case[1] == len(STEPS):
                exited += 1
            else:
                running.append(case)
            break
        if not progressed and running:
            time.sleep(max(0.0, min(c[2] for c in running if c[2] is not None) - time.time()) + 0.001)
    return {"latencies": latencies, "opens": opens, "exited": exited}


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--prefix", default="spiff")
    parser.add_argument("--first", type=int, default=1)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--window", type=int, default=16)
    parser.add_argument("--notice-seconds", type=int, default=1)
    args = parser.parse_args()
    handler = SpiffHandler(args.db)
    case_ids = [f"household-exit/{args.prefix}-h{n:05d}/2017" for n in range(args.first, args.first + args.count)]
    print("ready", flush=True)
    sys.stdin.readline()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t_start = time.time()
    result = drive(handler, case_ids, args.window, args.notice_seconds)
    t_end = time.time()
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    result.update(
        t_start=t_start, t_end=t_end, writes=handler.writes, state_bytes=handler.state_bytes,
        cpu_seconds=(cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime),
        peak_rss_mb=peak_rss_mb(),  # not ru_maxrss: Linux carries that over from the parent across exec
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
