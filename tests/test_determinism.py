"""Workflow code must make the same decisions when it is replayed months later. The sandbox does not
guard most of it: `workflows/exit_case.py`, the domain and the activity models are imported
passed through (one copy per worker, not one per case), and a passed-through module keeps the real
`datetime`, `random` and `open`. So every module workflow code runs is read here, statically, for
what would differ on replay: the clock, chance, the environment, files and sockets. The replay test
(tests/test_replay.py) catches what changes the commands; this catches what would change them later.
"""

import ast
from pathlib import Path

import pytest

from workers.settings import PROJECT_ROOT

# Every module a workflow imports, directly or through the domain (activity modules are imported by
# workflows only for their method names; their code runs in activities).
WORKFLOW_CODE = sorted(
    [*(PROJECT_ROOT / "workflows").rglob("*.py"), *(PROJECT_ROOT / "domain").rglob("*.py"),
     PROJECT_ROOT / "activities" / "errors.py", PROJECT_ROOT / "activities" / "models.py"]
)

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
        elif isinstance(node, ast.Attribute) and _dotted(node) == "os.environ":
            found.append(f"{node.lineno}: os.environ (the environment)")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"{node.lineno}: import {m} (I/O)" for m in modules
                      if m.split(".")[0] in FORBIDDEN_MODULES and m not in HARMLESS_MODULES]
    return sorted(found, key=lambda line: int(line.split(":")[0]))


@pytest.mark.parametrize("path", WORKFLOW_CODE, ids=[str(p.relative_to(PROJECT_ROOT)) for p in WORKFLOW_CODE])
def test_workflow_code_reads_no_clock_chance_environment_or_files(path: Path):
    assert nondeterminism(path.read_text(encoding="utf-8")) == []


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
"""
    found = nondeterminism(planted)
    assert [line.split(":")[0] for line in found] == ["2", "4", "5", "6", "7", "8", "9", "10", "11", "12"], found
    assert "datetime.datetime.now()" in found[2] and "socket" in found[0] and "sqlalchemy" in found[1]
