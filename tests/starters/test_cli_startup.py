"""`tuopin` starts fast and officials' commands never load the registry's code: `--help` imports no
Temporal, SQLAlchemy or cryptography; the groups' table of commands matches the commands."""

import importlib
import os
import subprocess
import sys

from starters.cli import cli, registry


def imported_modules(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Runs `python -X importtime -m starters.cli ARGS` and returns it with every module it imported."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "starters.cli", *args], capture_output=True,
                          text=True, timeout=60, env=env or os.environ.copy(), stdin=subprocess.DEVNULL)
    modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return proc, modules


def _top(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_help_imports_neither_temporal_nor_the_registry_nor_cryptography():
    proc, modules = imported_modules("--help")
    assert proc.returncode == 0 and "decide" in proc.stdout
    assert not _top(modules) & {"temporalio", "sqlalchemy", "cryptography", "pydantic"}, sorted(modules)


def test_a_command_s_help_imports_no_registry_code():
    proc, modules = imported_modules("decide", "--help")
    assert proc.returncode == 0 and "--stage" in proc.stdout
    assert "sqlalchemy" not in _top(modules) and not any(m.startswith("activities.registry") for m in modules)


def test_the_table_of_lazy_commands_matches_the_commands():
    from starters.case_commands import open_

    for group in (cli, registry, open_):
        for name, (module, attr, short_help) in group.lazy.items():
            command = getattr(importlib.import_module(module), attr)
            assert command.get_short_help_str(45) == short_help, name


def test_the_written_out_stage_ids_and_exit_types_match_the_procedure_tables():
    from domain.procedures import PROCEDURES
    from starters.cli_options import EXIT_TYPES, STAGES

    assert list(STAGES) == sorted({s for p in PROCEDURES.values() for s in p.stage_ids()})
    assert list(EXIT_TYPES) == sorted(PROCEDURES)
