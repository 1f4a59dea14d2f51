"""`tuopin registry year`: the registry's working year (年度), and the key administrator's act that
moves it forward (`tuopin registry year set Y --as ADMIN`).

The administrator authenticates as for `tuopin officials register`: `--as` names them (kept in the
registry and in the signed act, as `--by` there), and the act is signed with the root private key,
`--admin-key FILE`, by default the demo's in the trust folder. That key must be the root the workers
pin (`<home>/trust/admin-root.pub`); an act signed with any other key would not count.
"""

from pathlib import Path

import click

from starters.cli_options import common, say
from workers.settings import Settings


@click.group(invoke_without_command=True)
@common
@click.pass_context
def year(ctx: click.Context, settings: Settings, as_json: bool) -> None:
    """The working year (年度): cases open only for it. Moved forward, one year at a time, by the key
    administrator's signed act (`year set`)."""
    if ctx.invoked_subcommand is not None:
        return
    from starters.registry_commands import working_year_status

    status = working_year_status(settings)
    if status["year"] is None:
        text = "no working year set (the key administrator sets it: tuopin registry year set Y --as ADMIN)"
    else:
        text = f"working year {status['year']} (set by {status['set_by']} at {status['set_at']})"
    say(as_json, status, text)


@year.command("set")
@click.argument("new_year", metavar="YEAR", type=int)
@click.option("--as", "admin", required=True, help="The key administrator making the act (kept in the registry).")
@click.option("--admin-key", "admin_key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The administrator's root private key [default: the demo's, in the trust folder].")
@common
def year_set(settings: Settings, as_json: bool, new_year: int, admin: str, admin_key_file: Path | None) -> None:
    """Move the working year forward to YEAR (the year after the current one, not after the calendar
    year), by an act signed with the administrator's root key. Back or skipping: refused, exit 1."""
    from starters.registry_commands import set_working_year

    result = set_working_year(settings, new_year, admin, admin_key_file)
    say(as_json, result, f"working year {result['year']} (after {result['previous']}), set by {result['set_by']}")
