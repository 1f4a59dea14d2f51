"""bench/go_profile.py names `perf` samples of the stripped `temporal` binary from its own .gopclntab."""

import sys
from pathlib import Path

import pytest

from bench.go_profile import KERNEL, LOAD_ADDRESS, GoSymbols, profile, stacks
from starters.serve import temporal_binary

RESPOND = "go.temporal.io/server/api/historyservice/v1._HistoryService_RespondWorkflowTaskCompleted_Handler"


@pytest.fixture(scope="module")
def symbols() -> GoSymbols:
    return GoSymbols(Path(temporal_binary()))


def test_an_address_is_named_by_the_function_it_falls_in(symbols: GoSymbols) -> None:
    start = symbols.entry("main.main")
    assert symbols.name(start) == "main.main"
    assert symbols.name(start + 1) == "main.main"
    assert symbols.name(start - 1) != "main.main"
    assert len(symbols.names) > 10_000  # the whole server, not a fragment of the table


def test_perf_chains_are_counted_by_own_function_caller_and_handler(symbols: GoSymbols) -> None:
    def at(name: str, offset: int = 3) -> str:
        return f"{symbols.entry(name) + offset - LOAD_ADDRESS:x}"

    perf_script = "\n".join([
        f"\t{at('runtime.memmove')}", f"\t{at(RESPOND)}", f"\t{at('runtime.goexit')}", "",
        "\tffffffff813a2413", f"\t{at('runtime.memmove')}", f"\t{at('runtime.goexit')}", "",
        f"\t{at('main.main')}", "",
    ]).splitlines(keepends=True)
    result = profile(stacks(perf_script), symbols)

    assert result.samples == 3
    assert result.own == {"runtime.memmove": 1, KERNEL: 1, "main.main": 1}
    assert result.under["runtime.memmove"] == 2 and result.under["runtime.goexit"] == 2
    assert result.where == {"HistoryService_RespondWorkflowTaskCompleted": 1, "other": 2}


def test_a_file_that_is_not_a_go_binary_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no .gopclntab"):
        GoSymbols(Path(sys.executable).resolve())
    text = tmp_path / "notes.txt"
    text.write_text("not a binary")
    with pytest.raises(ValueError, match="not a 64-bit ELF"):
        GoSymbols(text)
