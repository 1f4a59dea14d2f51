"""`tuopin registry reconcile`: does the registry agree with the cases on Temporal?

Every unit the registry shows exited must have been exited by the case it names, and that case
must have ended `exited` on Temporal, for that unit, with the change logged once in
`status_changes`; every case that ended `exited` must show in the registry as the unit's exit.
Each disagreement is listed (kind, unit, case, what the registry says, what the workflow says).

The cases compared are those of one task queue: the workers of a task queue write one registry
(`--task-queue`, default TUOPIN_TASK_QUEUE or tuopin-cases; `--simulation` as for `tuopin worker`).
A registry exit that names a case of another queue is still looked up.

Register with ``registry.add_command(reconcile)`` (the options are starters.cli_options' ``common``).
Exit codes: 0 no disagreements; 1 disagreements (each listed); 2 usage; 3 the Temporal server or
the registry cannot be reached.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.registry.reconcile_queries import UnitExitRecord, UnitKey, exit_records
from activities.registry.store import RegistryStore, RegistryUnavailable, RegistryUrlError
from domain.case_ids import exit_type_of
from domain.simulation import SIMULATION_TASK_QUEUE
from starters import render
from starters.cli_options import SAFE_ID, common, run, say
from starters.client import connect
from starters.errors import BadUsage, Refused, Unreachable
from workers.settings import DEFAULT_TASK_QUEUE, Settings
from workflows import search_attributes as sa

DESCRIBE_CONCURRENCY = 16
COLUMNS = ["kind", "unit", "case_id", "registry", "workflow"]

# The kinds of disagreement, each with what it means (shown by --help and the README).
KINDS = {
    "exit_without_case": "the registry shows the unit exited but names no case",
    "case_not_found": "the registry names a case Temporal does not have",
    "case_of_other_unit": "the case the registry names is about another unit",
    "case_not_exited": "the case the registry names has not ended exited (open, rejected, failed ...)",
    "exit_not_logged": "the unit is exited by a case whose change is not in status_changes",
    "double_exit": "more than one standing 销号 of one unit is logged in status_changes",
    "logged_exit_not_applied": "status_changes logs an exit the unit's row does not show",
    "registry_not_exited": "the case ended exited but the registry does not show the unit exited",
    "exited_by_other_case": "the case ended exited but the registry shows the unit exited by another case",
    "unit_not_found": "the case ended exited but its unit is not in the registry",
}


@dataclass(frozen=True)
class CaseView:
    """What Temporal says about one case."""

    case_id: str
    found: bool
    unit_type: str | None = None
    unit_id: str | None = None
    status: str | None = None  # CaseStatus: open / exited / rejected
    execution: str = "not found"  # running / completed / failed / terminated / ...

    def says(self) -> str:
        if not self.found:
            return "no such case"
        return f"{self.status or 'no status'} ({self.execution})"


@dataclass(frozen=True)
class Disagreement:
    kind: str
    unit_type: str
    unit_id: str
    case_id: str | None
    registry: str
    workflow: str

    def row(self) -> dict[str, Any]:
        return {**asdict(self), "unit": f"{self.unit_type} {self.unit_id}", "case_id": self.case_id or "-"}


def unit_type_of(case_id: str, exit_type: str | None) -> str | None:
    """The registry unit type a case exits: a village case's designation is part of its id."""
    if exit_type != "village":
        return exit_type
    parts = case_id.split("/")
    return f"village_{parts[2]}" if len(parts) == 4 and parts[2] in ("poor", "hollow") else None


def _view(case_id: str, exit_type: str | None, unit_id: str | None, status: str | None, execution: Any) -> CaseView:
    name = getattr(execution, "name", None) or "unknown"
    return CaseView(
        case_id=case_id, found=True, unit_type=unit_type_of(case_id, exit_type or exit_type_of(case_id)),
        unit_id=unit_id, status=status, execution=name.lower(),
    )


async def list_cases(client: Client, task_queue: str | None) -> dict[str, CaseView]:
    """The cases of a task queue (all of them with None), through the visibility store."""
    query = "ExitType IS NOT NULL" + (f" AND TaskQueue = '{task_queue}'" if task_queue else "")
    views: dict[str, CaseView] = {}
    async for execution in client.list_workflows(query):
        attrs = execution.typed_search_attributes
        views[execution.id] = _view(
            execution.id, attrs.get(sa.EXIT_TYPE), attrs.get(sa.UNIT_ID), attrs.get(sa.CASE_STATUS), execution.status
        )
    return views


async def describe_case(client: Client, case_id: str) -> CaseView:
    """One case from its own record (not the visibility store, which may lag behind it)."""
    if exit_type_of(case_id) is None:
        return CaseView(case_id=case_id, found=False)
    try:
        description = await client.get_workflow_handle(case_id).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return CaseView(case_id=case_id, found=False)
        raise
    attrs = description.typed_search_attributes
    return _view(case_id, attrs.get(sa.EXIT_TYPE), attrs.get(sa.UNIT_ID), attrs.get(sa.CASE_STATUS), description.status)


async def describe_cases(client: Client, case_ids: Iterable[str]) -> dict[str, CaseView]:
    gate = asyncio.Semaphore(DESCRIBE_CONCURRENCY)

    async def one(case_id: str) -> CaseView:
        async with gate:
            return await describe_case(client, case_id)

    views = await asyncio.gather(*(one(c) for c in sorted(set(case_ids))))
    return {v.case_id: v for v in views}


def _registry_says(unit: UnitExitRecord) -> str:
    if not unit.exists:
        return "no such unit"
    if unit.exited:
        return f"exited by {unit.exited_case_id}" if unit.exited_case_id else "exited, no case named"
    return unit.status or "no status"


def find_disagreements(units: dict[UnitKey, UnitExitRecord], cases: dict[str, CaseView]) -> list[Disagreement]:
    """Pure: every way the registry and the cases disagree about exits."""
    found: dict[tuple[str, str, str, str | None], Disagreement] = {}

    def add(kind: str, unit: UnitKey, case_id: str | None, registry: str, workflow: str) -> None:
        found.setdefault((kind, *unit, case_id), Disagreement(kind, unit[0], unit[1], case_id, registry, workflow))

    # the registry's exits, checked against the cases
    for key, unit in units.items():
        standing = unit.exit_cases()
        if unit.exited:
            case_id = unit.exited_case_id
            if not case_id:
                add("exit_without_case", key, None, _registry_says(unit), "-")
            else:
                case = cases.get(case_id) or CaseView(case_id=case_id, found=False)
                if not case.found:
                    add("case_not_found", key, case_id, _registry_says(unit), case.says())
                elif (case.unit_type, case.unit_id) != key:
                    add("case_of_other_unit", key, case_id, _registry_says(unit),
                        f"{case.says()} for {case.unit_type} {case.unit_id}")
                elif case.status != "exited":
                    add("case_not_exited", key, case_id, _registry_says(unit), case.says())
                if case_id not in standing:
                    logged = f"; logged: {', '.join(standing)}" if standing else "; no exit logged in status_changes"
                    add("exit_not_logged", key, case_id, _registry_says(unit) + logged, case.says())
        if len(standing) > 1:
            add("double_exit", key, ", ".join(standing), f"{len(standing)} exits logged: {', '.join(standing)}",
                "; ".join(f"{c}: {(cases.get(c) or CaseView(case_id=c, found=False)).says()}" for c in standing))
        if standing and not unit.exited:
            case = cases.get(standing[-1]) or CaseView(case_id=standing[-1], found=False)
            add("logged_exit_not_applied", key, standing[-1],
                f"{_registry_says(unit)}; an exit by {standing[-1]} is logged", case.says())

    # the cases that ended exited, checked against the registry
    for case_id, case in cases.items():
        if not case.found or case.status != "exited":
            continue
        key = (case.unit_type or "?", case.unit_id or "?")
        unit = units.get(key)
        if unit is None or not unit.exists:
            add("unit_not_found", key, case_id, "no such unit", case.says())
        elif unit.exited and unit.exited_case_id == case_id:
            continue
        elif unit.exited:
            add("exited_by_other_case", key, case_id, _registry_says(unit), case.says())
        elif not unit.reversed_after(case_id):  # an exit reversed later (spot check) is not a disagreement
            add("registry_not_exited", key, case_id, _registry_says(unit), case.says())
    return sorted(found.values(), key=lambda d: (d.unit_type, d.unit_id, d.kind, d.case_id or ""))


def _named_cases(units: dict[UnitKey, UnitExitRecord]) -> set[str]:
    named = {u.exited_case_id for u in units.values() if u.exited_case_id}
    named |= {c.case_id for u in units.values() for c in u.changes if c.to_status == "exited"}
    return named


async def reconcile_registry(client: Client, store: RegistryStore, task_queue: str | None) -> dict[str, Any]:
    """Compares; returns {"ok", "task_queue", "checked": {...}, "disagreements": [...]}."""
    cases = await list_cases(client, task_queue)

    def exited_units() -> set[UnitKey]:
        return {(c.unit_type, c.unit_id) for c in cases.values()
                if c.found and c.status == "exited" and c.unit_type and c.unit_id}

    units = exit_records(store, also=exited_units())
    cases.update(await describe_cases(client, _named_cases(units) - set(cases)))
    found = find_disagreements(units, cases)
    if found:
        # The visibility store is eventually consistent: confirm with each case's own record and
        # read the registry again before calling anything a disagreement.
        involved = {c for d in found if d.case_id for c in d.case_id.split(", ")}
        cases.update(await describe_cases(client, involved))
        units = exit_records(store, also=exited_units())
        cases.update(await describe_cases(client, _named_cases(units) - set(cases)))
        found = find_disagreements(units, cases)
    return {
        "ok": not found,
        "task_queue": task_queue,
        "checked": {
            "cases": sum(1 for c in cases.values() if c.found),
            "exited_cases": sum(1 for c in cases.values() if c.found and c.status == "exited"),
            "registry_exits": sum(1 for u in units.values() if u.exited),
        },
        "disagreements": [d.row() for d in found],
    }


def _store(settings: Settings) -> RegistryStore:
    """The registry, read only: a SQLite file that is not there is not created."""
    try:
        url = make_url(settings.registry)
        store = RegistryStore.from_url(settings.registry)
    except (ArgumentError, RegistryUrlError) as exc:
        raise BadUsage(f"--registry-url is not a database URL: {exc}") from None
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).is_file():
            raise Unreachable(f"there is no registry at {url.database}")
    return store


@click.command("reconcile", epilog="Kinds of disagreement:\n\n" + "\n\n".join(f"{k}: {v}" for k, v in KINDS.items()))
@common
@click.option("--task-queue", help="Compare the cases of this task queue [default: TUOPIN_TASK_QUEUE or tuopin-cases].")
@click.option("--simulation", is_flag=True,
              help=f"The simulation worker's registry and task queue ({SIMULATION_TASK_QUEUE!r}), as `tuopin worker --simulation`.")
def reconcile(settings: Settings, as_json: bool, task_queue: str | None, simulation: bool) -> None:
    """Compare the registry's exits with the cases' outcomes; list every disagreement (exit 1 if any)."""
    if simulation:
        queue = settings.task_queue if settings.task_queue != DEFAULT_TASK_QUEUE else SIMULATION_TASK_QUEUE
        settings = settings.model_copy(update={"simulation": True, "task_queue": queue})
    queue = task_queue or settings.task_queue
    if not SAFE_ID.match(queue):
        raise BadUsage(f"--task-queue {queue!r} is not a task queue name")
    store = _store(settings)

    async def go() -> dict[str, Any]:
        client = await connect(settings)
        try:
            return await reconcile_registry(client, store, queue)
        except RPCError as exc:
            if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
                raise Unreachable(f"the Temporal server did not answer: {exc.message}") from None
            raise Refused(f"the Temporal server refused the comparison: {exc.message}", kind="server_refused") from None

    try:
        report = run(go())
    except RegistryUnavailable as exc:
        raise Unreachable(str(exc)) from None
    finally:
        store.engine.dispose()
    rows = report["disagreements"]
    checked = report["checked"]
    summary = (f"{checked['cases']} cases on {queue} ({checked['exited_cases']} exited), "
               f"{checked['registry_exits']} exits in the registry: ")
    if not rows:
        say(as_json, report, summary + "no disagreements")
        return
    say(as_json, report, render.table_text(rows, COLUMNS) + "\n" + summary + f"{len(rows)} disagreements")
    click.get_current_context().exit(1)
