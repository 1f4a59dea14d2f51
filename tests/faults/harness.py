"""What the fault tests control: a dev server process on its own SQLite file (killed, frozen and
restarted at will), `tuopin worker --simulation` processes (SIGKILLed at will), the registry file
(locked, or its exit writes held, from another connection) and the steps of a household case.

Cases run in simulation mode (domain/simulation.py), the one legal way to a short notice: the
worker is started with --simulation on its own task queue and registry file.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.converter import DataConverter

from activities.registry.store import RegistryStore
from codec.aes_gcm import with_codec
from codec.keyring import KeyRing
from domain.case import CaseState
from domain.messages import CaseAck, CaseOutcome, ConsentCommand, DecisionCommand
from domain.simulation import Simulation
from starters import cases
from starters.reconcile import reconcile_registry
from starters.serve import SQLITE_PRAGMAS
from starters.signer import sign_as
from tests.faults.link import Link
from tests.support import small_registry
from tests.support.small_registry import VILLAGE
from tests.support.driver import CG, CH, CS, TH, TS, VD, WT, appraisal
from workers.data_converter import DATA_CONVERTER
from workers.settings import Settings
from workflows import search_attributes as sa

BIN = Path(sys.executable).parent
TEMPORAL = str(BIN / "temporal")
TUOPIN = str(BIN / "tuopin")
TOWNSHIP_MEETING = "长校镇党委会议纪要〔2017〕9号"
COUNTY_GROUP_MEETING = "县扶贫领导小组会议〔2017〕3号"
COUNTY_MEETING = "县委常委会〔2017〕12号"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float, what: str, every: float = 0.2) -> Any:
    """Polls `check` until it returns something truthy; fails after `timeout` seconds saying `what`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = await check()
        except Exception as exc:  # noqa: BLE001 - kept for the failure message
            last = exc
        else:
            if last:
                return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f}s (last: {last!r})")
        await asyncio.sleep(every)


# -- the Temporal dev server -------------------------------------------------------------------
@dataclass
class DevServer:
    """`temporal server start-dev` on a SQLite file (WAL, as `tuopin serve` runs it), as a process."""

    db_file: Path
    log_file: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    starts: int = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self, timeout: float = 60) -> None:
        assert self.proc is None or self.proc.poll() is not None, "the server is running already"
        self.starts += 1
        args = [
            TEMPORAL, "server", "start-dev", "--db-filename", str(self.db_file), "--ip", "127.0.0.1",
            "--port", str(self.port), "--http-port", str(free_port()), "--metrics-port", str(free_port()),
            "--headless", "--log-level", "error", *SQLITE_PRAGMAS,
        ]
        for key in sa.ALL:
            args += ["--search-attribute", f"{key.name}={key._metadata_type}"]
        with open(self.log_file, "a") as log:
            log.write(f"\n--- start #{self.starts} at {datetime.now(timezone.utc).isoformat()}\n")
            log.flush()
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        await eventually(self._ready, timeout, f"the dev server on {self.address} to serve (log: {self.log_file})", 0.3)

    async def _ready(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"the dev server exited with {self.proc.returncode}: {self.log_tail()}")
        client = await Client.connect(self.address, data_converter=DATA_CONVERTER)
        await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace="default"))
        listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace="default"))
        return all(key.name in listed.custom_attributes for key in sa.ALL)

    async def client(self, converter: DataConverter = DATA_CONVERTER) -> Client:
        return await Client.connect(self.address, data_converter=converter)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_file.read_text(errors="replace")[-chars:] if self.log_file.exists() else ""

    def kill(self) -> None:
        """SIGKILL: the process dies with whatever it had not written (WAL keeps what it committed)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)


# -- tuopin worker processes -------------------------------------------------------------------
@dataclass
class WorkerProcess:
    """One `tuopin worker --simulation` process; each start logs to its own file."""

    env: dict[str, str]
    log_dir: Path
    name: str
    proc: subprocess.Popen | None = None
    log_file: Path | None = None

    async def start(self, timeout: float = 60) -> None:
        self.log_file = self.log_dir / f"{self.name}.log"
        with open(self.log_file, "w") as log:
            self.proc = subprocess.Popen([TUOPIN, "worker", "--simulation"], env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

        async def started() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited with {self.proc.returncode}: {self.log_tail()}")
            return "worker_started" in self.log_file.read_text(errors="replace")

        await eventually(started, timeout, f"worker {self.name} to start", 0.2)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_file.read_text(errors="replace")[-chars:] if self.log_file and self.log_file.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no activity completion reported, nothing flushed."""
        assert self.proc is not None and self.proc.poll() is None, f"worker {self.name} is not running"
        self.proc.kill()
        self.proc.wait(timeout=30)

    def stop(self) -> int | None:
        """SIGTERM, as an operator stops it; returns the exit code (None if it had to be killed)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
            return None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def worker_env(address: str, home: Path, registry_url: str, task_queue: str, trust: Path | None = None) -> dict[str, str]:
    return {
        **({"TUOPIN_TRUST_DIR": str(trust)} if trust is not None else {}),
        **os.environ,
        "TEMPORAL_ADDRESS": address,
        "TEMPORAL_NAMESPACE": "default",
        "TUOPIN_HOME": str(home),
        "TUOPIN_REGISTRY_URL": registry_url,
        "TUOPIN_TASK_QUEUE": task_queue,
        "TUOPIN_LOG_FORMAT": "json",
    }


# -- the registry file -------------------------------------------------------------------------
class RegistryFile:
    """The registry's SQLite file, reached from the test through a connection of its own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        self._lock: sqlite3.Connection | None = None

    def build(self, keys_dir: Path, eligible: int) -> None:
        store = RegistryStore.from_url(self.url)
        small_registry.build(store, keys_dir, eligible=eligible)
        store.engine.dispose()

    def connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("PRAGMA busy_timeout=30000")
        return con

    def lock(self) -> sqlite3.Connection:
        """BEGIN IMMEDIATE: every other writer waits (and, past its busy timeout, fails) until release."""
        assert self._lock is None, "locked already"
        self._lock = self.connect()
        self._lock.execute("BEGIN IMMEDIATE")
        return self._lock

    def release(self, commit: bool = False) -> None:
        if self._lock is not None:
            self._lock.execute("COMMIT" if commit else "ROLLBACK")
            self._lock.close()
            self._lock = None

    def hold_exits(self, case_id: str) -> str:
        """A trigger that refuses this case's 销号 row (as a registry in maintenance would): the
        record_exit step fails and retries. Returns the trigger's name."""
        name = "fault_hold_exit_" + "".join(ch if ch.isalnum() else "_" for ch in case_id)
        quoted = case_id.replace("'", "''")
        con = self.connect()
        try:
            con.execute(
                f"CREATE TRIGGER {name} BEFORE INSERT ON status_changes WHEN NEW.case_id = '{quoted}' "
                "BEGIN SELECT RAISE(ABORT, 'registry maintenance: exit writes are held'); END"
            )
        finally:
            con.close()
        return name

    def query(self, sql: str, *params: Any) -> list[tuple]:
        con = self.connect()
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def exit_rows(self, unit_id: str) -> list[tuple]:
        return self.query(
            "SELECT case_id, unit_type, from_status, to_status FROM status_changes WHERE unit_id = ? ORDER BY id", unit_id
        )

    def household(self, unit_id: str) -> tuple:
        return self.query("SELECT status, exited_case_id, exited_year FROM households WHERE id = ?", unit_id)[0]


# -- the steps of a household case -------------------------------------------------------------
class Cases:
    """Officials' steps through starters.cases (what the CLI runs), signed with the small registry's keys."""

    def __init__(self, client: Client, registry: RegistryFile, task_queue: str, keys_dir: Path) -> None:
        self.client = client
        self.settings_pass: dict[str, str] = {}
        self.settings = Settings(address="unused", registry_url=registry.url, task_queue=task_queue, keys_dir=keys_dir,
                                 trust=small_registry.trust_dir(keys_dir))

    async def open(self, household: str, notice_seconds: int) -> str:
        state = await cases.open_case(
            self.client, self.settings, "household", household, 2017, appraisal(),
            simulation=Simulation(notice_seconds=notice_seconds),
        )
        assert state.status == "open", state.outcome_reason
        return state.case_id

    async def decide(self, case_id: str, stage: str, official: str, outcome: str = "approve", **kw: Any) -> CaseAck:
        return await cases.decide(
            self.client, self.settings, case_id, DecisionCommand(stage=stage, outcome=outcome, official_id=official, **kw)
        )

    def signed(self, case_id: str, stage: str, official: str, outcome: str = "approve", **kw: Any) -> DecisionCommand:
        """A decision signed now, ready to send (so many can be sent at one instant)."""
        cmd = DecisionCommand(stage=stage, outcome=outcome, official_id=official, **kw)
        pass_id = self.settings_pass.get(case_id)
        assert pass_id is not None, "ask `pass_of` first: a signature names the stage's pass"
        return sign_as(self.settings, official, None, case_id, stage, pass_id, cmd)

    async def pass_of(self, case_id: str) -> str:
        """The pass of the case's current stage, remembered for `signed`."""
        self.settings_pass[case_id] = (await cases.progress(self.client, case_id)).pass_id or ""
        return self.settings_pass[case_id]

    async def send(self, case_id: str, cmd: DecisionCommand) -> CaseAck:
        return await cases.decide(self.client, self.settings, case_id, cmd)

    async def show(self, case_id: str) -> CaseState:
        return await cases.show(self.client, case_id)

    async def until(self, case_id: str, predicate: Callable[[CaseState], bool], timeout: float, what: str) -> CaseState:
        async def check() -> CaseState | None:
            state = await self.show(case_id)
            return state if predicate(state) else None

        return await eventually(check, timeout, f"{case_id}: {what}", 0.25)

    async def to_notice(self, case_id: str, household: str) -> CaseState:
        await self.decide(case_id, "verification", VD)
        await self.decide(case_id, "verification", WT)
        await cases.consent(self.client, self.settings, case_id, ConsentCommand(official_id=f"{household}-head"))
        return await self.until(case_id, lambda s: s.stage == "notice" and s.current_notice() is not None, 30, "in its notice")

    async def township(self, case_id: str, timeout: float = 60) -> CaseState:
        await self.until(case_id, lambda s: s.stage == "township_review", timeout, "past its notice")
        await self.decide(case_id, "township_review", TS, meeting_ref=TOWNSHIP_MEETING)
        await self.decide(case_id, "township_review", TH, meeting_ref=TOWNSHIP_MEETING)
        return await self.until(case_id, lambda s: s.stage == "county_approval", 30, "at county approval")

    async def county(self, case_id: str, last: bool = True) -> None:
        await self.decide(case_id, "county_approval", CG, meeting_ref=COUNTY_GROUP_MEETING)
        await self.decide(case_id, "county_approval", CS, meeting_ref=COUNTY_MEETING)
        if last:
            await self.decide(case_id, "county_approval", CH, meeting_ref=COUNTY_MEETING)

    async def at_last_signature(self, household: str) -> str:
        """A case (1 s notice) taken to where only the county head's signature is missing."""
        case_id = await self.open(household, notice_seconds=1)
        await self.to_notice(case_id, household)
        await self.township(case_id)
        await self.county(case_id, last=False)
        return case_id

    async def outcome(self, case_id: str, timeout: float) -> CaseOutcome:
        handle = self.client.get_workflow_handle(case_id, result_type=CaseOutcome)
        return await asyncio.wait_for(handle.result(), timeout)

    async def pending_activity(self, case_id: str, activity_type: str) -> Any:
        description = await self.client.get_workflow_handle(case_id).describe()
        for pending in description.raw_description.pending_activities:
            if pending.activity_type.name == activity_type:
                return pending
        return None

    async def waiting_for(self, case_id: str, activity_type: str, attempt: int = 2) -> Any:
        """The pending activity once it has been tried `attempt` times; else raises saying what is pending."""
        description = await self.client.get_workflow_handle(case_id).describe()
        pending = description.raw_description.pending_activities
        for activity in pending:
            if activity.activity_type.name == activity_type and activity.attempt >= attempt:
                return activity
        summary = [(a.activity_type.name, a.attempt, PendingActivityState.Name(a.state)) for a in pending]
        stage = description.typed_search_attributes.get(sa.CASE_STAGE)
        raise RuntimeError(f"{case_id} at {stage}, {description.status.name}; pending activities: {summary}")

    async def task_failures(self, case_id: str) -> list[str]:
        """Every WorkflowTaskFailed event of the case (a task that failed is retried, maybe forever), with
        the end of the stack the SDK recorded (for a deadlock: where the workflow code was stuck)."""
        failures = []
        async for event in self.client.get_workflow_handle(case_id).fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                attrs = event.workflow_task_failed_event_attributes
                where = attrs.failure.stack_trace.strip().splitlines()[-12:]
                failures.append(f"event {event.event_id}, {attrs.cause}: {attrs.failure.message}" + "".join(f"\n  {line}" for line in where))
        return failures


STARTED = PendingActivityState.PENDING_ACTIVITY_STATE_STARTED


# -- a bench: server, registry, worker and the steps, together ---------------------------------
ELIGIBLE = 60  # households changxiao-hepai-e001 .. e060 meet the 2017 criteria


@dataclass
class Bench:
    root: Path
    server: DevServer
    registry: RegistryFile
    keys_dir: Path
    task_queue: str
    client: Client
    cases: Cases
    worker: WorkerProcess
    eligible: int = ELIGIBLE
    _households: Any = field(default_factory=lambda: itertools.count(1))
    _workers: Any = field(default_factory=lambda: itertools.count(2))

    def household(self) -> str:
        n = next(self._households)
        assert n <= self.eligible, "the bench ran out of eligible households"
        return f"{VILLAGE}-e{n:03d}"

    def new_worker(self, address: str | None = None) -> WorkerProcess:
        env = worker_env(address or self.server.address, self.root / "home", self.registry.url, self.task_queue,
                         small_registry.trust_dir(self.keys_dir))
        return WorkerProcess(env, self.root, f"worker-{next(self._workers)}")

    async def worker_through_link(self) -> Link:
        """The bench's worker stopped (as an operator stops it) and replaced by one that reaches the
        server only through a link the test can cut (tests/faults/link.py); close the link after."""
        link = Link(self.server.address)
        address = await link.open()
        await asyncio.to_thread(self.worker.stop)
        try:
            await self.replace_worker(address)
        except BaseException:
            await link.close()
            raise
        return link

    async def replace_worker(self, address: str | None = None) -> WorkerProcess:
        """After a kill or a stop: a new worker process on the same queue and registry (dialling
        `address` instead of the server's, if given)."""
        assert not self.worker.running
        self.worker = self.new_worker(address)
        await self.worker.start()
        return self.worker

    async def reconcile(self) -> dict[str, Any]:
        store = RegistryStore.from_url(self.registry.url)
        try:
            return await reconcile_registry(self.client, store, self.task_queue)
        finally:
            store.engine.dispose()


async def start_bench(root: Path, task_queue: str, eligible: int = ELIGIBLE) -> Bench:
    root.mkdir(parents=True, exist_ok=True)
    (root / "home").mkdir(exist_ok=True)
    keys_dir = root / "keys"
    registry = RegistryFile(root / "registry.db")
    registry.build(keys_dir, eligible)
    server = DevServer(root / "temporal.db", root / "temporal.log")
    await server.start()
    # the test's client reads what the workers write: the codec key ring of their home
    ring = KeyRing.load_or_create(root / "home" / "codec-keys.json")
    client = await server.client(with_codec(DATA_CONVERTER, ring))
    env = worker_env(server.address, root / "home", registry.url, task_queue, small_registry.trust_dir(keys_dir))
    worker = WorkerProcess(env, root, "worker-1")
    try:
        await worker.start()
    except BaseException:
        server.stop()
        raise
    cases = Cases(client, registry, task_queue, keys_dir)
    return Bench(root, server, registry, keys_dir, task_queue, client, cases, worker, eligible)


def stop_bench(bench: Bench) -> int | None:
    code = bench.worker.stop()
    bench.server.stop()
    return code
