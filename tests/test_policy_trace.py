"""docs/policy-trace.md stays true: every test and code symbol it cites exists, every quote is the
policy's own text, and every mandatory clause of 清委办〔2017〕25号 has a row.

Nothing is imported from the project: test files and modules are parsed with `ast`.
"""

import ast
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRACE = ROOT / "docs" / "policy-trace.md"
POLICY_NAME = "qingliu-2017-25-poverty-exit.txt"
POLICY_CANDIDATES = (
    Path(os.environ["TUOPIN_POLICY_TEXT"]) if os.environ.get("TUOPIN_POLICY_TEXT") else None,
    ROOT / "docs" / "policy" / POLICY_NAME,
    ROOT.parent / "shared" / "policy" / POLICY_NAME,
)

COLUMNS = ("id", "policy text", "status", "what tuopin enforces", "code", "tests")
STATUSES = ("enforced", "untested", "not yet implemented", "not enforced")

# Clauses the issue names: at least one row must quote each.
MANDATORY_KEYWORDS = ("不得合并步骤", "不得简化程序", "公示", "不少于7天", "签字确认", "集体研究", "备案", "层层审核把关")
PROCEDURE_STEPS = (
    "民主评议", "核实认可", "审核上报", "批准退出",  # 贫困户
    "调查核实", "公示公告",  # 贫困村 (and 批准退出)
    "乡申请", "县初评", "市批准",  # 重点乡
    "县申请", "市初评", "省批准",  # 重点县
)
OTHER_REQUIRED = (
    "贫困人口脱贫必须实行民主评议", "村内公示", "在乡镇和所在村内公示", "向社会公示", "在所在乡镇和行政村公告退出",
    "向社会公告退出", "销号", "以户为单位", "年人均可支配收入稳定超过扶贫标准", "吃穿不愁", "低于2%", "降至2%以下",
    "80%以上", "60%以上", "l0万元", "统筹考虑", "增长幅度高于全市平均水平", "接近全市平均水平", "接近全省平均水平",
    "不得以任何方式伪造、纂改数据", "实事求是", "动态管理", "督查抽查", "加分奖励", "缓冲期", "年度任务",
    "接受第三方评估", "通报批评", "追究相关部门和人员责任",
)

# `path.py::symbol`, `path.py::Class.method`, `tests/x.py::test_name`, `tests/x.py::TestClass::test_name`,
# optionally with a parametrize id `[...]`, which is ignored.
REF = re.compile(r"`([^`\s]+?\.py)::([A-Za-z_][\w.]*(?:::[A-Za-z_]\w*)?)(?:\[[^`]*\])?`")
ANY_REF = re.compile(r"`[^`]*\.py::[^`]*`")


@dataclass
class Row:
    line: int
    cells: dict[str, str]
    code: list[tuple[str, str]] = field(default_factory=list)
    tests: list[tuple[str, str]] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)

    def where(self) -> str:
        return f"docs/policy-trace.md:{self.line} ({self.cells['id']} {self.cells['policy text'][:24]})"


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


@cache
def rows() -> tuple[Row, ...]:
    """Every data row of every table whose header is COLUMNS; a malformed row is an error."""
    found: list[Row] = []
    lines = TRACE.read_text(encoding="utf-8").splitlines()
    header: tuple[str, ...] | None = None
    for number, line in enumerate(lines, 1):
        if not line.lstrip().startswith("|"):
            header = None
            continue
        cells = _cells(line)
        if header is None:
            header = tuple(c.lower() for c in cells)
            continue
        if all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
            continue
        if header != COLUMNS:
            assert not {"code", "tests"} & set(header), (
                f"docs/policy-trace.md:{number}: a trace table's header must be | {' | '.join(COLUMNS)} |"
            )
            continue
        assert len(cells) == len(COLUMNS), f"docs/policy-trace.md:{number}: {len(cells)} cells, expected {len(COLUMNS)}"
        row = Row(number, dict(zip(COLUMNS, cells)))
        for column, refs in (("code", row.code), ("tests", row.tests)):
            for span in ANY_REF.finditer(row.cells[column]):
                match = REF.fullmatch(span.group(0))
                if match is None:
                    row.unparsed.append(span.group(0))
                else:
                    refs.append((match.group(1), match.group(2)))
        found.append(row)
    return tuple(found)


def _defined_at_module_level(tree: ast.Module) -> dict[str, ast.AST]:
    names: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        names[name.id] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
    return names


def _members(cls: ast.ClassDef) -> dict[str, ast.AST]:
    members: dict[str, ast.AST] = {}
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            members[node.name] = node
        elif isinstance(node, ast.Assign):
            members.update({t.id: node for t in node.targets if isinstance(t, ast.Name)})
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            members[node.target.id] = node
    return members


@cache
def _module(path: str) -> dict[str, ast.AST] | None:
    file = ROOT / path
    if not file.is_file():
        return None
    return _defined_at_module_level(ast.parse(file.read_text(encoding="utf-8"), filename=str(file)))


def _resolve(path: str, symbol: str) -> str | None:
    """None when path::symbol is defined; otherwise why not."""
    names = _module(path)
    if names is None:
        return f"{path} does not exist"
    head, *rest = symbol.split(".")
    node = names.get(head)
    if node is None:
        return f"{head} is not defined at module level in {path}"
    for part in rest:
        if not isinstance(node, ast.ClassDef):
            return f"{head} in {path} is not a class, so it has no {part}"
        node = _members(node).get(part)
        if node is None:
            return f"{symbol}: {part} is not defined in class {head} of {path}"
        head = f"{head}.{part}"
    return None


def _is_test(path: str, name: str) -> str | None:
    """None when path::name is a test pytest collects by default (test_* function, Test* class method)."""
    names = _module(path)
    if names is None:
        return f"{path} does not exist"
    parts = name.split("::")
    if len(parts) == 1:
        node = names.get(parts[0])
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not parts[0].startswith("test"):
            return f"no test function {parts[0]} in {path}"
        return None
    cls_name, method = parts
    cls = names.get(cls_name)
    if not isinstance(cls, ast.ClassDef) or not cls_name.startswith("Test"):
        return f"no test class {cls_name} in {path}"
    node = _members(cls).get(method)
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not method.startswith("test"):
        return f"no test method {cls_name}::{method} in {path}"
    return None


@cache
def policy_text() -> str | None:
    for candidate in POLICY_CANDIDATES:
        if candidate is not None and candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    return None


# -- the tests ---------------------------------------------------------------------------------------


def test_the_document_has_its_tables():
    assert TRACE.is_file(), "docs/policy-trace.md is missing"
    assert len(rows()) >= 40, f"only {len(rows())} rows parsed from docs/policy-trace.md"
    for row in rows():
        assert row.cells["id"] and row.cells["policy text"], f"{row.where()}: a row needs a clause id and its text"


def test_every_listed_test_still_exists():
    stale = []
    for row in rows():
        for path, name in row.tests:
            if not path.startswith("tests/"):
                stale.append(f"{row.where()}: `{path}::{name}` is in the tests column but is not under tests/")
                continue
            problem = _is_test(path, name)
            if problem:
                stale.append(f"{row.where()}: `{path}::{name}`: {problem}")
    assert not stale, "stale test references in docs/policy-trace.md:\n" + "\n".join(stale)


def test_every_listed_code_symbol_still_exists():
    stale = []
    for row in rows():
        for path, symbol in row.code:
            if path.startswith("tests/"):
                stale.append(f"{row.where()}: `{path}::{symbol}` is a test in the code column")
                continue
            if "::" in symbol:
                stale.append(f"{row.where()}: `{path}::{symbol}`: write a method as Class.method")
                continue
            problem = _resolve(path, symbol)
            if problem:
                stale.append(f"{row.where()}: `{path}::{symbol}`: {problem}")
    assert not stale, "stale code references in docs/policy-trace.md:\n" + "\n".join(stale)


def test_no_reference_escapes_the_check():
    """A reference outside the code and tests columns, or one the pattern cannot read, is not checked."""
    missed = [
        f"{row.where()}: {m.group(0)} in the {column!r} column"
        for row in rows()
        for column in ("id", "policy text", "status", "what tuopin enforces")
        for m in ANY_REF.finditer(row.cells[column])
    ]
    missed += [f"{row.where()}: cannot read the reference {span}" for row in rows() for span in row.unparsed]
    assert not missed, "references the check would not see:\n" + "\n".join(missed)


def test_each_status_fits_its_references():
    wrong = []
    for row in rows():
        status = row.cells["status"]
        tests, code = row.tests, row.code
        if status not in STATUSES:
            wrong.append(f"{row.where()}: status {status!r} is not one of {', '.join(STATUSES)}")
        elif status == "enforced" and not (tests and code):
            wrong.append(f"{row.where()}: 'enforced' needs code and at least one test")
        elif status == "untested" and (tests or not code):
            wrong.append(f"{row.where()}: 'untested' means code and no test")
        elif status in ("not yet implemented", "not enforced") and tests:
            wrong.append(f"{row.where()}: {status!r} cites tests")
    assert not wrong, "\n".join(wrong)


def test_every_quote_is_the_policys_own_text():
    text = policy_text()
    assert text is not None, f"the policy text ({POLICY_NAME}) is not beside the project; set TUOPIN_POLICY_TEXT"
    misquoted = []
    for row in rows():
        position = 0  # passages joined by … appear in the policy in that order
        for passage in (part.strip() for part in row.cells["policy text"].split("…")):
            at = text.find(passage, position) if passage else -1
            if at < 0:
                misquoted.append(f"{row.where()}: {passage!r} is not in the policy text (in this order)")
                break
            position = at + len(passage)
    assert not misquoted, "quotes that are not the policy's words:\n" + "\n".join(misquoted)


@pytest.mark.parametrize("keyword", MANDATORY_KEYWORDS + PROCEDURE_STEPS + OTHER_REQUIRED)
def test_each_mandatory_clause_has_a_row(keyword):
    quoting = [row for row in rows() if keyword in row.cells["policy text"]]
    assert quoting, f"no row of docs/policy-trace.md quotes a clause containing {keyword!r}"


@pytest.mark.parametrize("step", PROCEDURE_STEPS)
def test_each_procedure_step_is_traced_to_a_test(step):
    proven = [row for row in rows() if step in row.cells["policy text"] and row.cells["status"] == "enforced"]
    assert proven, f"the step {step!r} has no enforced row with a test"


def test_the_supervision_rows_follow_the_tests_that_exist():
    """动态管理 is listed as not yet implemented only while tests/supervision/ does not exist."""
    row = next(r for r in rows() if "动态管理" in r.cells["policy text"])
    assert not (row.cells["status"] == "not yet implemented" and (ROOT / "tests" / "supervision").is_dir()), (
        f"{row.where()}: tests/supervision/ exists; trace 动态管理 (and 强化监督问责) to its tests"
    )
    if row.cells["status"] == "not yet implemented":
        assert not row.tests and not row.code


def test_the_checker_catches_a_stale_reference():
    assert _is_test("tests/test_policy_trace.py", "test_every_listed_test_still_exists") is None
    assert _is_test("tests/test_policy_trace.py", "test_that_was_renamed") is not None
    assert _is_test("tests/no_such_file.py", "test_x") is not None
    assert _is_test("tests/test_policy_trace.py", "rows") is not None  # not a test
    assert _resolve("domain/procedures.py", "HOUSEHOLD") is None
    assert _resolve("domain/procedures.py", "Procedure.stage_ids") is None
    assert _resolve("domain/procedures.py", "Procedure.no_such_method") is not None
    assert _resolve("domain/procedures.py", "NO_SUCH_TABLE") is not None
