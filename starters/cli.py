"""`tuopin`: the command line officials, operators and outside checks use (its contract: README.md,
"The command line").

Exit codes: 0 done; 1 refused by the pipeline; 2 usage error; 3 server or registry unreachable.
"""

import logging
import os
import sys
from typing import Any

import click

from domain.simulation import SIMULATION_REGISTRY_FILE, SIMULATION_TASK_QUEUE
from starters import render
from starters.cli_options import common, run, say
from starters.client import connect
from starters.errors import CliError
from observability.logging_config import configure_logging
from workers.settings import DEFAULT_TASK_QUEUE, Settings


class TuopinGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CliError as exc:
            if _wants_json(ctx):
                render.emit_json({"ok": False, "error": exc.kind, "message": exc.format_message()})
            raise
        except click.UsageError as exc:
            if _wants_json(ctx):
                render.emit_json({"ok": False, "error": "usage", "message": exc.format_message()})
            raise


def _wants_json(ctx: click.Context) -> bool:
    return "--json" in sys.argv[1:] or any(c.meta.get("as_json") for c in [ctx] if c is not None)


@click.group(cls=TuopinGroup)
def cli() -> None:
    """tuopin (脱贫): durable poverty-exit cases on Temporal, per 清委办〔2017〕25号."""
    configure_logging(Settings.from_env().log_format)


def main() -> None:
    """Console entry point. Ends with os._exit once the command's output and logs are flushed: the
    Temporal SDK's native threads can abort a normal interpreter shutdown (`Fatal Python error:
    PyGILState_Release`, exit 134), which would turn a finished command into a failed one."""
    code = 0
    try:
        cli.main(prog_name="tuopin")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


# -- servers ----------------------------------------------------------------------------------
@cli.command()
@common
@click.option("--ui-port", default=8233, show_default=True)
def serve(settings: Settings, as_json: bool, ui_port: int) -> None:
    """Embedded Temporal dev server (SQLite WAL under --home), Web UI, worker and demo registry."""
    from starters.serve import serve as serve_all

    run(serve_all(settings.model_copy(update={"ui_port": ui_port})))


@cli.command()
@common
@click.option("--simulation", is_flag=True,
              help="Load tests only: accept cases with a shortened notice, on the task queue "
                   f"{SIMULATION_TASK_QUEUE!r} and the registry file {SIMULATION_REGISTRY_FILE!r}.")
def worker(settings: Settings, as_json: bool, simulation: bool) -> None:
    """A worker against an existing Temporal cluster (Ctrl-C stops it)."""
    from starters.serve import worker_until_signalled

    if simulation:
        queue = settings.task_queue if settings.task_queue != DEFAULT_TASK_QUEUE else SIMULATION_TASK_QUEUE
        settings = settings.model_copy(update={"simulation": True, "task_queue": queue})
    run(worker_until_signalled(settings))


@cli.command()
@common
def setup(settings: Settings, as_json: bool) -> None:
    """Prepare an existing Temporal cluster (idempotent): search attributes and the reminder Schedule."""
    from starters.setup import ensure_setup

    async def go() -> Any:
        return await ensure_setup(await connect(settings), settings)

    result = run(go())
    say(as_json, result, "\n".join(f"{k:24} {v}" for k, v in result.items()))


# -- registry ---------------------------------------------------------------------------------
@cli.group()
def registry() -> None:
    """Load and list the 建档立卡 registry."""


@registry.command("seed")
@common
def registry_seed(settings: Settings, as_json: bool) -> None:
    """Create the schema and load the synthetic Qingliu demo data (once)."""
    from starters.registry_commands import seed

    summary = seed(settings)
    say(as_json, summary, "\n".join(f"{k:12} {v}" for k, v in summary.items()))


@registry.command("households")
@common
@click.option("--township")
@click.option("--village")
@click.option("--status", type=click.Choice(["poor", "exited"]))
def registry_households(settings: Settings, as_json: bool, township: str | None, village: str | None, status: str | None) -> None:
    """Households (ids, village, members, status; no personal data)."""
    from starters.registry_commands import listing

    rows = listing(settings, "households", township_id=township, village_id=village, status=status)
    say(as_json, rows, render.table_text(rows, ["household_id", "village_id", "members", "status", "planned_exit_year", "exited_year"]))


_INCIDENCE_YEAR = click.option("--year", type=click.IntRange(2014, 2100), help="Population figures of this year [default: latest].")


@registry.command("villages")
@common
@click.option("--township")
@_INCIDENCE_YEAR
def registry_villages(settings: Settings, as_json: bool, township: str | None, year: int | None) -> None:
    """Villages: 贫困村 / 空壳村 designations and status, computed 贫困发生率."""
    from starters.registry_commands import listing

    rows = listing(settings, "villages", year=year, township_id=township)
    say(as_json, rows, render.table_text(rows, [
        "village_id", "name", "township_id", "poor_village", "poor_status", "hollow_village", "hollow_status",
        "poor_persons", "rural_population", "incidence_pct",
    ]))


@registry.command("townships")
@common
@_INCIDENCE_YEAR
def registry_townships(settings: Settings, as_json: bool, year: int | None) -> None:
    """Townships: key-township designation, status and computed 贫困发生率."""
    from starters.registry_commands import listing

    rows = listing(settings, "townships", year=year)
    say(as_json, rows, render.table_text(rows, [
        "township_id", "name", "key_township", "status", "poor_persons", "rural_population", "incidence_pct",
    ]))


@registry.command("officials")
@common
@click.option("--jurisdiction")
@click.option("--role")
def registry_officials(settings: Settings, as_json: bool, jurisdiction: str | None, role: str | None) -> None:
    """Officials: the id to pass as --as, their role and jurisdiction."""
    from starters.registry_commands import listing

    rows = listing(settings, "officials", jurisdiction_id=jurisdiction, role=role)
    say(as_json, rows, render.table_text(rows, ["official_id", "role", "jurisdiction_id", "name"]))


def _register_groups() -> None:
    from starters.case_commands import CASE_COMMANDS
    from starters.dossier_commands import dossier, trace
    from starters.key_commands import keys, officials
    from starters.plan_commands import plan
    from starters.reconcile import reconcile
    from starters.supervision_commands import buffer, enroll, reenter, spotcheck, supervision

    for group in (*CASE_COMMANDS, keys, officials, plan, dossier, trace, spotcheck):
        cli.add_command(group)
    from starters.codec_commands import codec_keys, codec_server

    cli.add_command(codec_server)
    cli.add_command(codec_keys)
    for command in (reenter, enroll, buffer, supervision, reconcile):
        registry.add_command(command)


_register_groups()
