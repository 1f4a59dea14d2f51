"""Malformed command lines against `tuopin` (click.testing.CliRunner on the real command group, the
dev server, worker and registry of tests/fuzz/conftest.py): each one is a clear refusal, exit 2
(usage) or 1 (refused by the pipeline) with a message, never a traceback, never exit 0 with a
change. The case they aim at waits at verification, and no one who could move it is ever named."""

import hashlib
import os
import re
import subprocess
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

pytest.importorskip("hypothesis", reason="hypothesis is a test dependency: pip install -e '.[test]'")
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from starters import cli as cli_module
from tests.faults.harness import TUOPIN
from tests.fuzz.strategies import EXPLORING, ODD, OFFICIALS, SLOW, STAGES, texts
from tests.support.small_registry import VILLAGE

pytestmark = pytest.mark.timeout(240)

# Officials who could move the case at verification: never named by the fuzzer (they would be right).
UNIT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]*")  # domain.messages.Id
MOVERS = {f"{VILLAGE}-secretary", f"{VILLAGE}-director", f"{VILLAGE}-workteam", f"{VILLAGE}-e001-head"}
OUTSIDERS = [o for o in OFFICIALS if o not in MOVERS]
words = st.one_of(texts, st.sampled_from(ODD), st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True))


def mostly(good: st.SearchStrategy[str], bad: st.SearchStrategy[str] = words) -> st.SearchStrategy[str]:
    """Seven times in eight a plausible value (to get past the first check), else anything."""
    return st.integers(0, 7).flatmap(lambda n: good if n else bad)


officials = mostly(st.sampled_from(OUTSIDERS))
dates = mostly(st.dates().map(str))
numbers = mostly(st.integers(-5, 3000).map(str))
notes = mostly(st.text(min_size=1, max_size=30))


def _optional(flag: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.one_of(st.just([]), values.map(lambda v: [flag, v]))


@st.composite
def command_lines(draw: st.DrawFn, case_id: str, household: str) -> tuple[bool, list[str]]:
    """(changes something if accepted, argv)."""
    # (an empty or over-long case id: see test_ids_that_are_not_ids_are_refused_plainly)
    case = draw(mostly(st.just(case_id), st.one_of(words, words.map(lambda w: f"household-exit/{w}/2017"),
                                                    st.just(case_id + "/x"))).filter(lambda c: 0 < len(c) <= 200))
    kind = draw(st.sampled_from(["decide", "consent", "object", "resolve", "open", "show", "list", "inbox",
                                 "registry", "posted", "print", "words"]))
    extra = [["--json"], [], [], [], [], ["--help"], ["--bogus"], ["--json", "--json"]][draw(st.integers(0, 7))]
    if kind == "decide":
        argv = ["decide", case, draw(mostly(st.sampled_from(["approve", "return", "reject"]))),
                "--stage", draw(mostly(st.sampled_from(STAGES))), "--as", draw(officials)]
        argv += draw(_optional("--meeting", notes)) + draw(_optional("--note", notes))
        argv += draw(_optional("--to", mostly(st.sampled_from(STAGES))))
        argv += draw(st.lists(words.map(lambda w: f"--record={w}"), max_size=2))
        argv += draw(st.lists(words.map(lambda w: f"--indicator={w}"), max_size=2))
        argv += draw(_optional("--key", st.sampled_from(["/dev/null", "/etc/hostname", "/"])))  # (missing files: own test)
        return True, argv + extra
    if kind == "consent":
        refuse = draw(st.sampled_from([[], ["--refuse"]]))
        return True, ["consent", case, "--as", draw(officials), *refuse, *draw(_optional("--note", notes)), *extra]
    if kind == "posted":  # the case is not in its notice: a well-formed posting is refused too
        at = draw(mostly(st.datetimes(timezones=st.just(timezone.utc)).map(datetime.isoformat)))
        return True, ["notice", "posted", case, "--as", draw(officials), "--at", at, "--place", draw(notes), *extra]
    if kind == "print":
        where = draw(st.sampled_from([[case], ["--village", draw(words)], ["--township", draw(words)], [],
                                      [case, "--village", draw(words)]]))
        return False, ["notice", "print", *where, "--out", os.devnull, *extra]
    if kind == "object":  # the case is not in its notice: a well-formed objection is refused too
        return True, ["object", case, "--name", draw(notes), "--contact", draw(notes), "--reason", draw(notes), *extra]
    if kind == "resolve":
        return True, ["resolve", case, draw(mostly(st.just("O1"))), draw(mostly(st.sampled_from(["uphold", "dismiss"]))),
                      "--as", draw(officials), "--finding", draw(notes), *extra]
    if kind == "open":
        # (a unit id that is not an id: see test_ids_that_are_not_ids_are_refused_plainly)
        unit = draw(mostly(st.sampled_from([household, f"{VILLAGE}-e002", f"{VILLAGE}-x-housing"]))
                    .filter(lambda u: UNIT_ID.fullmatch(u) is not None and len(u) <= 120))
        return True, ["open", "household", unit, "--year", draw(mostly(st.sampled_from(["2017", "2018", "2013"]))),
                      "--as", draw(officials), "--meeting", draw(notes), "--meeting-date", draw(dates),
                      "--attendance", draw(numbers), "--result", draw(notes), *extra]
    if kind == "show":
        return False, ["show", case, *extra]
    if kind == "list":
        argv = ["list", *draw(_optional("--type", words)), *draw(_optional("--township", words)),
                *draw(_optional("--stage", words)), *draw(_optional("--status", words)), *draw(_optional("--limit", numbers))]
        return False, argv + extra
    if kind == "inbox":
        return False, ["inbox", "--as", draw(officials), *extra]
    if kind == "registry":
        what = draw(st.sampled_from(["households", "villages", "townships", "officials"]))
        return False, ["registry", what, *draw(_optional("--township", words)), *draw(_optional("--village", words)),
                       *draw(_optional("--status", words)), *draw(_optional("--year", numbers)), *extra]
    # any words at all, the first perhaps a command
    first = draw(st.one_of(st.sampled_from(["decide", "consent", "object", "resolve", "open", "show", "list"]), words))
    return first in ("decide", "consent", "object", "resolve", "open"), [first, *draw(st.lists(words, max_size=6))]


@pytest.fixture(scope="module")
def runner_env(fuzz_bench) -> Iterator[dict[str, str]]:
    # configure_logging would point the process' root logger at the runner's (closed) stderr
    with pytest.MonkeyPatch.context() as patch:
        import observability.logging_config

        patch.setattr(observability.logging_config, "configure_logging", lambda *_: None)
        yield fuzz_bench.cli_env()


def _registry_digest(fuzz_bench) -> str:
    rows = fuzz_bench.bench.registry.query(
        "SELECT 'h', id, status, exited_case_id FROM households UNION ALL SELECT 'o', id, active, role FROM officials "
        "UNION ALL SELECT 'k', key_id, official_id, revoked_at FROM official_keys "
        "UNION ALL SELECT 'n', case_id, window_no, outcome FROM notices "
        "UNION ALL SELECT 'c', contact_ref, case_id, contact FROM objection_contacts ORDER BY 1, 2")
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _case_digest(fuzz_bench) -> Any:
    state = fuzz_bench.state()
    return state.stage, state.status, len(state.decisions), len(state.objections), dict(state.filled)


def test_malformed_command_lines_are_refused_plainly(fuzz_bench, runner_env):
    registry_before, case_before = _registry_digest(fuzz_bench), _case_digest(fuzz_bench)
    cases_before = fuzz_bench.run(_case_ids(fuzz_bench))
    seen: dict[int, int] = {}

    @settings(SLOW, max_examples=SLOW.max_examples if EXPLORING else 150)
    @given(line=command_lines(fuzz_bench.case_id, fuzz_bench.household))
    def run(line: tuple[bool, list[str]]) -> None:
        changes, argv = line
        result = CliRunner().invoke(cli_module.cli, argv, env=runner_env, catch_exceptions=True)
        seen[result.exit_code] = seen.get(result.exit_code, 0) + 1
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"tuopin {argv!r} raised {result.exception!r}:\n{result.output}") from result.exception
        assert "Traceback" not in result.output, (argv, result.output)
        if "--help" in argv and result.exit_code == 0:
            return
        if changes:
            assert result.exit_code in (1, 2), f"tuopin {argv!r} exited {result.exit_code}:\n{result.output}"
        else:
            assert result.exit_code in (0, 1, 2), f"tuopin {argv!r} exited {result.exit_code}:\n{result.output}"
        if result.exit_code:
            assert result.output.strip(), f"tuopin {argv!r} exited {result.exit_code} saying nothing"

    run()

    assert _case_digest(fuzz_bench) == case_before
    assert _registry_digest(fuzz_bench) == registry_before
    assert fuzz_bench.run(_case_ids(fuzz_bench)) == cases_before
    assert fuzz_bench.run(fuzz_bench.bench.cases.task_failures(fuzz_bench.case_id)) == []
    assert seen.get(1) and seen.get(2), seen  # both refusals by the pipeline and usage errors were reached


async def _case_ids(fuzz_bench) -> list[str]:
    # a refused opening fails its run, which is no case (and leaves the unit free)
    query = "ExitType IS NOT NULL AND ExecutionStatus != 'Failed'"
    return sorted([e.id async for e in fuzz_bench.bench.client.list_workflows(query)])


@SLOW
@given(url=st.one_of(st.sampled_from(["garbage", "not a url", "://", "sqlite//x", "postgresql+nodriver://h/db"]),
                     st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=30)
                     .filter(lambda u: "://" not in u)))
def test_a_malformed_registry_url_is_a_usage_error(fuzz_bench, runner_env, url):
    result = CliRunner().invoke(cli_module.cli, ["registry", "households", "--registry-url", url], env=runner_env,
                                catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, (result.exit_code, result.output)
    # an official's command never opens the registry: its URL changes nothing (here the case refuses
    # an outsider, exit 1, whatever the URL)
    decide = ["decide", fuzz_bench.case_id, "approve", "--stage", "verification", "--as", OUTSIDERS[0], "--registry-url", url]
    result = CliRunner().invoke(cli_module.cli, decide, env=runner_env, catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1 and "registry" not in result.output.lower(), (result.exit_code, result.output)


def test_arguments_that_are_not_utf8_are_usage_errors_through_the_console_script(fuzz_bench):
    """The real entry point (os._exit after flushing) with bytes no shell can turn into text."""
    env = {**fuzz_bench.cli_env(), "PATH": "/usr/bin:/bin"}
    for argv in (
        [TUOPIN, "decide", fuzz_bench.case_id, "reject", "--stage", "verification", "--as", OUTSIDERS[0],
         "--note", b"\xff\xfe".decode("utf-8", "surrogateescape")],
        [TUOPIN, "object", fuzz_bench.case_id, "--name", b"\xc3".decode("utf-8", "surrogateescape"),
         "--contact", "1", "--reason", "x", "--json"],
    ):
        proc = subprocess.run([a.encode("utf-8", "surrogateescape") for a in argv], env=env, capture_output=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        out = (proc.stdout + proc.stderr).decode("utf-8", "replace")
        assert proc.returncode == 2, (proc.returncode, out)
        assert "Traceback" not in out and out.strip(), out


def test_ids_that_are_not_ids_are_refused_plainly(fuzz_bench, runner_env):
    official = f"{VILLAGE}-director"  # has a key: the command goes as far as signing
    lines = [
        [verb, case, *rest]
        for case in ("", "household-exit/" + "x" * 200 + "/2017")
        for verb, rest in (("decide", ["approve", "--stage", "verification", "--as", official]),
                           ("consent", ["--as", official]),
                           ("resolve", ["O1", "dismiss", "--as", official, "--finding", "核实"]))
    ] + [
        ["open", "household", unit, "--year", "2017", "--as", f"{VILLAGE}-secretary", "--meeting", "评议1号",
         "--meeting-date", "2017-03-01", "--attendance", "30", "--result", "同意"]
        for unit in ("", "a b", "../x", "x" * 121)
    ]
    failures = []
    for argv in lines:
        result = CliRunner().invoke(cli_module.cli, argv, env=runner_env, catch_exceptions=True)
        if (result.exception is not None and not isinstance(result.exception, SystemExit)) or \
                result.exit_code not in (1, 2):
            failures.append(f"{argv[0]} {argv[1]!r:.24}: exit {result.exit_code}, {type(result.exception).__name__}")
    assert not failures, failures


def test_a_missing_key_file_is_a_usage_error(fuzz_bench, runner_env, tmp_path):
    missing = str(tmp_path / "no-such-key.pem")
    failures = []
    for argv in (["decide", fuzz_bench.case_id, "approve", "--stage", "verification", "--as", OUTSIDERS[0], "--key", missing],
                 ["consent", fuzz_bench.case_id, "--as", OUTSIDERS[0], "--key", missing]):
        result = CliRunner().invoke(cli_module.cli, argv, env=runner_env, catch_exceptions=True)
        if (result.exception is not None and not isinstance(result.exception, SystemExit)) or result.exit_code != 2:
            failures.append((argv[0], result.exit_code, repr(result.exception)))
    assert not failures, failures


def test_an_impossible_case_id_is_refused_at_once_with_clean_json(fuzz_bench):
    import json
    import time

    case_id = "household-exit/" + "中" * 2100 + "/2017"
    started = time.monotonic()
    proc = subprocess.run([TUOPIN, "show", case_id, "--json"], env={**fuzz_bench.cli_env(), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    took = time.monotonic() - started
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr, (proc.returncode, proc.stderr[-500:])
    document = json.loads(proc.stdout)  # the whole of stdout is the machine-readable answer
    assert document["ok"] is False and took < 5, (took, document)
