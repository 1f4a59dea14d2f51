"""Workflow code must make the same decisions when it is replayed months later. The workers run it
without the SDK's sandbox (workers/runner.py), so this test is the guard: every module workflow code
runs is read here, statically, for what would differ on replay: the clock, chance, the environment,
files and sockets, and module state shared between runs (`global`). The replay test
(tests/test_replay.py) catches what changes the commands; this catches what would change them later.
Which modules that is, is not a list kept by hand: it is followed from workflows/ through the
project imports (`test_every_module_workflow_code_imports_is_read`).
"""

import ast
from pathlib import Path

import pytest

from workers.settings import PROJECT_ROOT

# Every module a workflow imports, directly or through the domain, read whole.
WORKFLOW_CODE = sorted(
    [*(PROJECT_ROOT / "workflows").rglob("*.py"), *(PROJECT_ROOT / "domain").rglob("*.py"),
     PROJECT_ROOT / "activities" / "errors.py", PROJECT_ROOT / "activities" / "models.py"]
)
# Activity modules workflows import for an activity's method name and its input and result models:
# the models are built and validated in workflow code and are read; the `@activity.defn` methods and
# the rest of the module run in activities.
ACTIVITY_INTERFACES = sorted(PROJECT_ROOT / "activities" / f"{name}.py" for name in (
    "dossier_activities", "list_activities", "notice_activities", "registry_activities", "reminder_activities",
    "supervision_activities"))
PROJECT_PACKAGES = ("domain", "workflows", "activities", "workers", "starters")

FORBIDDEN_CALLS = {
    "datetime.now": "the clock (use workflow.now(), or take `now` as an argument)",
    "datetime.utcnow": "the clock (use workflow.now())",
    "datetime.today": "the clock (use workflow.now())",
    "date.today": "the clock (use workflow.now())",
    "time.time": "the clock", "time.time_ns": "the clock", "time.monotonic": "the clock",
    "time.perf_counter": "the clock", "time.sleep": "a real sleep (use workflow.sleep / a timer)",
    "uuid.uuid1": "chance (use workflow.uuid4())", "uuid.uuid4": "chance (use workflow.uuid4())",
    "os.getenv": "the environment", "os.urandom": "chance", "open": "a file", "input": "a terminal",
}
FORBIDDEN_MODULES = {"socket", "subprocess", "threading", "secrets", "requests", "httpx", "sqlalchemy", "sqlite3"}
HARMLESS_MODULES = {"sqlalchemy.exc"}  # exception classes only (activities/errors.py tells refusals from outages)


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    return None


def nondeterminism(source: str) -> list[str]:
    """What in `source` would differ on replay, one line each: "line: what (why)"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and (name := _dotted(node.func)):
            reason = next((why for call, why in FORBIDDEN_CALLS.items() if name == call or name.endswith("." + call)), None)
            if reason:
                found.append(f"{node.lineno}: {name}() ({reason})")
            elif name.startswith("random.") and not (name == "random.Random" and node.args):
                found.append(f"{node.lineno}: {name}() (chance: only random.Random(seed) is repeatable)")
        elif isinstance(node, ast.Global):
            found.append(f"{node.lineno}: global {', '.join(node.names)} (module state shared between runs)")
        elif isinstance(node, ast.Attribute) and _dotted(node) == "os.environ":
            found.append(f"{node.lineno}: os.environ (the environment)")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"{node.lineno}: import {m} (I/O)" for m in modules
                      if m.split(".")[0] in FORBIDDEN_MODULES and m not in HARMLESS_MODULES]
    return sorted(found, key=lambda line: int(line.split(":")[0]))


def _is_activity_class(node: ast.ClassDef) -> bool:
    return any(_dotted(d.func if isinstance(d, ast.Call) else d) == "activity.defn"
               for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
               for d in item.decorator_list)


def workflow_side(source: str, activity_interface: bool) -> str:
    """The part of a module's source that runs in workflows: all of it, or an activity module's
    classes other than its activities."""
    if not activity_interface:
        return source
    tree = ast.parse(source)
    kept = [node for node in tree.body if isinstance(node, ast.ClassDef) and not _is_activity_class(node)]
    # blank lines keep the line numbers of the module
    lines = [""] * len(source.splitlines())
    for node in kept:
        for n in range(node.lineno - 1 - len(node.decorator_list), node.end_lineno):
            lines[n] = source.splitlines()[n]
    return "\n".join(lines)


@pytest.mark.parametrize("path", WORKFLOW_CODE + ACTIVITY_INTERFACES,
                         ids=[str(p.relative_to(PROJECT_ROOT)) for p in WORKFLOW_CODE + ACTIVITY_INTERFACES])
def test_workflow_code_reads_no_clock_chance_environment_or_files(path: Path):
    source = path.read_text(encoding="utf-8")
    assert nondeterminism(workflow_side(source, path in ACTIVITY_INTERFACES)) == []


def project_imports(path: Path) -> set[Path]:
    """The project modules `path` imports (a package's `__init__.py`, and a submodule imported by name
    from its package)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for module in modules:
            if module.split(".")[0] not in PROJECT_PACKAGES:
                continue
            base = PROJECT_ROOT.joinpath(*module.split("."))
            for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                if candidate.exists():
                    found.add(candidate)
    return found


def unread_modules(read: set[Path], interfaces: set[Path]) -> list[str]:
    """The project modules reached from workflows/ through imports that are neither read whole
    (`read`) nor activity modules read for their models (`interfaces`, whose imports run in
    activities)."""
    seen, todo = set(), list((PROJECT_ROOT / "workflows").rglob("*.py"))
    while todo:
        path = todo.pop()
        if path in seen or path in interfaces:
            continue
        seen.add(path)
        todo += project_imports(path)
    return sorted(str(p.relative_to(PROJECT_ROOT)) for p in seen - read)


def test_every_module_workflow_code_imports_is_read():
    unread = unread_modules(set(WORKFLOW_CODE), set(ACTIVITY_INTERFACES))
    assert unread == [], f"workflow code runs these modules; add them to WORKFLOW_CODE or ACTIVITY_INTERFACES: {unread}"


def test_a_module_left_out_is_found():
    without = {p for p in WORKFLOW_CODE if p.name != "timeouts.py"}
    assert unread_modules(without, set(ACTIVITY_INTERFACES)) == ["workflows/timeouts.py"]
    assert "activities/case_loading.py" in unread_modules(set(WORKFLOW_CODE), set())


def test_an_activity_modules_models_are_read_and_its_activities_are_not():
    planted = """
import time
from pydantic import BaseModel, model_validator

class SweepInput(BaseModel):
    @model_validator(mode="after")
    def stamp(self):
        self.at = time.time()
        return self

class SweepActivities:
    @activity.defn
    def sweep(self) -> None:
        time.sleep(1)
"""
    found = nondeterminism(workflow_side(planted, activity_interface=True))
    assert [line.split(":")[0] for line in found] == ["8"], found


def test_the_check_finds_each_kind_of_nondeterminism():
    planted = """
import datetime, time, uuid, os, random, socket
from datetime import date
from sqlalchemy import select
a = datetime.datetime.now()
b = date.today()
c = time.time()
d = uuid.uuid4()
e = os.environ["X"]
f = random.choice([1, 2])
g = random.Random()
h = open("f")
i = random.Random(7).sample([1, 2], 1)
def count():
    global COUNT
"""
    found = nondeterminism(planted)
    assert [line.split(":")[0] for line in found] == ["2", "4", "5", "6", "7", "8", "9", "10", "11", "12", "15"], found
    assert "datetime.datetime.now()" in found[2] and "socket" in found[0] and "sqlalchemy" in found[1]
