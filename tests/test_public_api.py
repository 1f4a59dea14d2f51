"""The product uses temporalio's public API only, so any temporalio release the version range in
pyproject.toml allows can run it: no import of a private module or name (a dotted component or an
imported name starting with `_`), no private attribute reached through an SDK name, and no
assignment to an attribute of anything imported from temporalio (which would rebind SDK functions
for the whole process). Read statically from every module of the product's folders."""

import ast
from pathlib import Path

import pytest

from workers.settings import PROJECT_ROOT

PRODUCT = ("workers", "workflows", "activities", "starters", "domain")
PRODUCT_CODE = sorted(p for folder in PRODUCT for p in (PROJECT_ROOT / folder).rglob("*.py"))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _under_temporalio(module: str) -> bool:
    return module == "temporalio" or module.startswith("temporalio.")


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def _unpacked(target: ast.AST) -> list[ast.AST]:
    """The targets of `a, (b.c, *d) = ...`, one by one."""
    if isinstance(target, (ast.Tuple, ast.List)):
        return [t for element in target.elts for t in _unpacked(element)]
    return _unpacked(target.value) if isinstance(target, ast.Starred) else [target]


def private_sdk_use(source: str) -> list[str]:
    """Each use of temporalio's private parts or rebinding of its attributes in `source`, one line
    each: "line: what"."""
    tree = ast.parse(source)
    sdk_names: set[str] = set()  # local names bound to temporalio modules or to names imported from them
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _under_temporalio(alias.name):
                    sdk_names.add(alias.asname or alias.name.split(".")[0])
                    if any(_private(part) for part in alias.name.split(".")):
                        found.append(f"{node.lineno}: import {alias.name} (a private module)")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _under_temporalio(node.module or ""):
            module = node.module or ""
            if any(_private(part) for part in module.split(".")):
                found.append(f"{node.lineno}: from {module} import ... (a private module)")
            for alias in node.names:
                sdk_names.add(alias.asname or alias.name)
                if _private(alias.name):
                    found.append(f"{node.lineno}: from {module} import {alias.name} (a private name)")

    def sdk_rooted(node: ast.AST) -> bool:
        root = _root(node)
        return isinstance(root, ast.Name) and root.id in sdk_names

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and sdk_rooted(node.value):
            found.append(f"{node.lineno}: .{node.attr} (a private SDK attribute)")
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = [t for target in node.targets for t in _unpacked(target)]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr")
              and node.args and sdk_rooted(node.args[0])):
            found.append(f"{node.lineno}: {node.func.id}() on an SDK name (rebinds the SDK)")
        for target in targets:
            if isinstance(target, (ast.Attribute, ast.Subscript)) and sdk_rooted(target):
                found.append(f"{target.lineno}: assignment to {ast.unparse(target)} (rebinds the SDK)")
    return sorted(set(found), key=lambda line: int(line.split(":")[0]))


@pytest.mark.parametrize("path", PRODUCT_CODE, ids=[str(p.relative_to(PROJECT_ROOT)) for p in PRODUCT_CODE])
def test_product_code_uses_only_the_public_sdk(path: Path):
    assert private_sdk_use(path.read_text(encoding="utf-8")) == []


def test_the_scan_reads_every_product_folder():
    assert {p.relative_to(PROJECT_ROOT).parts[0] for p in PRODUCT_CODE} == set(PRODUCT)


def test_the_scan_finds_each_kind_of_private_use():
    planted = """
from temporalio.worker.workflow_sandbox._runner import _Instance
import temporalio.bridge.worker as w
w.f = g
from temporalio.converter import _extstore
import temporalio.worker._workflow_instance
from temporalio import workflow
d = workflow._Definition.must_from_class(X)
setattr(workflow, "now", lambda: 0)
workflow.unsafe.imports_passed_through = None
from temporalio.client import Client
Client.connect += 1
a, (b, workflow.now) = 1, (2, 3)
"""
    found = private_sdk_use(planted)
    assert [line.split(":")[0] for line in found] == ["2", "2", "4", "5", "6", "8", "9", "10", "12", "13"], found
    assert {"a private module", "a private name"} == {line.split("(")[-1].rstrip(")") for line in found[:2]}
    assert "_Instance" in found[0] + found[1] and "w.f" in found[2]


def test_public_use_passes():
    assert private_sdk_use("""
import temporalio.worker
from temporalio import workflow
from temporalio.worker import Worker, UnsandboxedWorkflowRunner
from temporalio.contrib.pydantic import pydantic_data_converter
runner = UnsandboxedWorkflowRunner()
self.worker = Worker(client, task_queue="q", workflow_runner=runner)
name = workflow.__name__
x = temporalio.worker.Worker
""") == []
