"""`tuopin`: the command line officials, operators and outside checks use (its contract: README.md,
"The command line").

Exit codes: 0 done; 1 refused by the pipeline; 2 usage error; 3 server, worker or registry unreachable; 130 Ctrl-C.

Start-up is kept short: this module imports click only. Each command's module (and with it
temporalio, pydantic models, SQLAlchemy, cryptography) is imported when that command runs; the
groups list their commands from a table of names and one-line helps (each group's ``lazy``), which a
test keeps in step with the commands themselves.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from starters.cli_options import common, run, say
from starters.errors import CliError, Interrupted

if TYPE_CHECKING:
    from workers.settings import Settings

# Names of the simulation fence, for help texts (domain/simulation.py holds the same, with a test).
SIMULATION_TASK_QUEUE = "tuopin-simulation"
SIMULATION_REGISTRY_FILE = "simulation-registry.db"


class LazyGroup(click.Group):
    """A group whose commands listed in ``lazy`` are imported on first use; `--help` shows their
    one-line helps from the table, so listing them imports nothing."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, attr, _ = self.lazy[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                command = self.commands[name]
                if command.hidden:
                    continue
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
            else:
                rows.append((name, self.lazy[name][2]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class TuopinGroup(LazyGroup):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            except (KeyboardInterrupt, click.Abort):  # Ctrl-C anywhere (a prompt's too): one line, exit 130
                raise Interrupted() from None
        except CliError as exc:
            if _wants_json(ctx):
                from starters import render

                render.emit_json({"ok": False, "error": exc.kind, "message": exc.format_message()})
            raise
        except click.UsageError as exc:
            if _wants_json(ctx):
                from starters import render

                render.emit_json({"ok": False, "error": "usage", "message": exc.format_message()})
            raise


def _wants_json(ctx: click.Context) -> bool:
    return "--json" in sys.argv[1:] or any(c.meta.get("as_json") for c in [ctx] if c is not None)


@click.group(cls=TuopinGroup, lazy={
    "open": ("starters.case_commands", "open_", "Open an exit case, or an enrolment (prints..."),
    "decide": ("starters.case_commands", "decide", "Approve, return (--to, --note) or reject..."),
    "consent": ("starters.case_commands", "consent", "The household acknowledges its exit..."),
    "object": ("starters.case_commands", "object_", "Lodge an objection (异议) while the public..."),
    "resolve": ("starters.case_commands", "resolve", "Resolve an objection: uphold (the case is..."),
    "show": ("starters.case_commands", "show", "Stage, status, who is awaited, notice..."),
    "list": ("starters.case_commands", "list_", "Cases, filtered through the server's..."),
    "inbox": ("starters.case_commands", "inbox", "The cases still waiting for you (your role..."),
    "keys": ("starters.key_commands", "keys", "An official's own Ed25519 key pair."),
    "officials": ("starters.key_commands", "officials", "Administer officials' public keys in the..."),
    "plan": ("starters.plan_commands", "plan", "The exit plan (attachments 1–3 of..."),
    "notice": ("starters.notice_commands", "notice", "公示: print the notice as posted; record its..."),
    "dossier": ("starters.dossier_commands", "dossier", "档案: a case's complete trail as one..."),
    "trace": ("starters.dossier_commands", "trace", "Who signed at each level, and when, for..."),
    "spotcheck": ("starters.supervision_commands", "spotcheck", "督查抽查: the county leading group's spot..."),
    "codec-server": ("starters.codec_commands", "codec_server", "The HTTP codec endpoint for the Temporal..."),
    "codec-keys": ("starters.codec_commands", "codec_keys", "The payload codec's key ring..."),
    "demo": ("starters.demo_commands", "demo", "The whole procedure in minutes, on a demo..."),
    "sign-list": ("starters.list_commands", "sign_list", "Sign a list once at a stage: its members..."),
})
def cli() -> None:
    """tuopin (脱贫): durable poverty-exit cases on Temporal, per 清委办〔2017〕25号."""
    from observability.logging_config import configure_logging
    from workers.settings import Settings

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
    from workers.settings import DEFAULT_TASK_QUEUE

    if simulation:
        queue = settings.task_queue if settings.task_queue != DEFAULT_TASK_QUEUE else SIMULATION_TASK_QUEUE
        settings = settings.model_copy(update={"simulation": True, "task_queue": queue})
    run(worker_until_signalled(settings))


@cli.command()
@common
def setup(settings: Settings, as_json: bool) -> None:
    """Prepare an existing Temporal cluster (idempotent): search attributes and the reminder Schedule."""
    from starters.client import connect
    from starters.setup import ensure_setup

    async def go() -> Any:
        return await ensure_setup(await connect(settings, may_create_codec_keys=True), settings)

    result = run(go())
    say(as_json, result, "\n".join(f"{k:24} {v}" for k, v in result.items()))


# -- registry ---------------------------------------------------------------------------------
@cli.group(cls=LazyGroup, lazy={
    "reenter": ("starters.supervision_commands", "reenter", "Withdrawn: a returned household is..."),
    "enroll": ("starters.supervision_commands", "enroll", "Withdrawn: register a newly poor household..."),
    "register": ("starters.supervision_commands", "register", "登记: record a newly poor HOUSEHOLD's data..."),
    "buffer": ("starters.supervision_commands", "buffer", "Every unit exited now and whether it is in..."),
    "supervision": ("starters.supervision_commands", "supervision", "Households with their buffer period,..."),
    "reconcile": ("starters.reconcile", "reconcile", "Compare the registry's exits with the..."),
    "year": ("starters.working_year_commands", "year", "The working year (年度): cases open only for..."),
})
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
@click.option("--status", type=click.Choice(["poor", "exited", "candidate"]))
def registry_households(settings: Settings, as_json: bool, township: str | None, village: str | None, status: str | None) -> None:
    """Households (ids, village, members, status; no personal data)."""
    from starters.registry_commands import listing

    rows = listing(settings, "households", township_id=township, village_id=village, status=status)
    from starters import render

    say(as_json, rows, render.table_text(rows, ["household_id", "village_id", "members", "status", "planned_exit_year", "exited_year"]))


_INCIDENCE_YEAR = click.option("--year", type=click.IntRange(2014, 2100), help="Population figures of this year [default: the working year].")


@registry.command("villages")
@common
@click.option("--township")
@_INCIDENCE_YEAR
def registry_villages(settings: Settings, as_json: bool, township: str | None, year: int | None) -> None:
    """Villages: 贫困村 / 空壳村 designations and status, computed 贫困发生率."""
    from starters.registry_commands import listing

    rows = listing(settings, "villages", year=year, township_id=township)
    from starters import render

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
    from starters import render

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
    from starters import render

    say(as_json, rows, render.table_text(rows, ["official_id", "role", "jurisdiction_id", "name"]))


if __name__ == "__main__":
    main()
