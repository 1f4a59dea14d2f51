"""`tuopin demo` (`make demo`): every exit type from its first record to 销号 in minutes, on a
Temporal server, namespace, registry and worker of the demo's own (why: starters/demo.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from starters.cli_options import run

SCENARIOS = ("household", "village", "township", "county")  # starters.demo.SCENARIOS (a test keeps them equal)


@click.command("demo")
@click.option("--home", envvar="TUOPIN_HOME", default=".tuopin", show_default=True,
              help="The demo keeps its files in <home>/demo, emptied at each start.")
@click.option("--port", default=7243, show_default=True, type=click.IntRange(1, 65535),
              help="The demo server's frontend port (not the one `make run` uses).")
@click.option("--ui-port", default=8243, show_default=True, type=click.IntRange(1, 65535), help="Its Web UI.")
@click.option("--notice-seconds", default=20, show_default=True, type=click.IntRange(1, 3600),
              help="How long each demo notice lasts (a real one: at least 7 days).")
@click.option("--only", multiple=True, type=click.Choice(SCENARIOS), help="Only these exits (repeatable) [default: all four].")
@click.option("--step", is_flag=True, help="Wait for Enter before each step (you may type the command yourself).")
@click.option("--keep-open/--no-keep-open", default=None,
              help="Keep the server and Web UI up at the end until Ctrl-C [default: when run in a terminal].")
def demo(home: str, port: int, ui_port: int, notice_seconds: int, only: tuple[str, ...], step: bool,
         keep_open: bool | None) -> None:
    """The whole procedure in minutes, on a demo server of its own."""
    from starters.demo import demo_settings, run_demo
    from workers.settings import Settings

    settings = demo_settings(Settings.from_env(home=Path(home)), port, ui_port)
    keep = sys.stdout.isatty() if keep_open is None else keep_open
    code = run(run_demo(settings, notice_seconds=notice_seconds, only=only, step=step, keep_open=keep))
    sys.exit(code)
