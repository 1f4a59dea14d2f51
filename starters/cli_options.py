"""The options, output helpers and error handling every `tuopin` command module shares (so command
modules do not import the CLI's root, which imports them). Imports click only: the CLI's root loads
this module for `--help` too."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from starters.errors import BadUsage

if TYPE_CHECKING:
    from workers.settings import Settings


# Every stage id (for --stage choices) and every exit type (for --type), written out so that a
# command's options need not load the procedure tables (domain.procedures) to exist; a test keeps
# them equal to the tables (tests/starters/test_cli_startup.py).
STAGES = (
    "application", "appraisal", "city_approval", "city_assessment", "city_endorsement", "city_review",
    "county_approval", "county_assessment", "notice", "province_approval", "survey", "township_review",
    "verification",
)
EXIT_TYPES = ("county", "enrollment", "household", "township", "village")  # enrollment: 新增 / 返贫


SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]*$")


def common(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--address/--namespace/--json (and the registry) on every command, also read from the environment."""

    @click.option("--address", envvar="TEMPORAL_ADDRESS", default=None,
                  help="Temporal frontend host:port [default: Temporal's client profile, else localhost:7233].")
    @click.option("--namespace", envvar="TEMPORAL_NAMESPACE", default=None,
                  help="[default: Temporal's client profile, else default]")
    @click.option("--registry-url", envvar="TUOPIN_REGISTRY_URL", default=None,
                  help="SQLAlchemy URL of the registry [default: sqlite under --home].")
    @click.option("--home", envvar="TUOPIN_HOME", default=".tuopin", show_default=True,
                  help="Folder of the embedded server's and registry's files.")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @functools.wraps(fn)
    def wrapper(address: str | None, namespace: str | None, registry_url: str | None, home: str, as_json: bool, **kwargs: Any) -> Any:
        import structlog

        from workers.settings import Settings

        settings = Settings.from_env(address=address, namespace=namespace, registry_url=registry_url, home=home)
        ctx = click.get_current_context()
        ctx.meta["as_json"] = as_json
        if isinstance(kwargs.get("case"), str):
            structlog.contextvars.bind_contextvars(case_id=kwargs["case"])
        return fn(settings=settings, as_json=as_json, **kwargs)

    return wrapper


def signing(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--key: the signer's private key file (default: looked up by official id, see `tuopin keys`)."""
    return click.option("--key", "key_file", envvar="TUOPIN_KEY_FILE",
                        type=click.Path(path_type=Path, dir_okay=False, exists=True, readable=True),
                        help="Your private key [default: <keys dir>/<OFFICIAL>.pem].")(fn)


UNIT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,119}$")
MAX_CASE_ID = 200


def case_id_argument(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A case id is checked before anything is signed or sent: the server gets only well-formed ids."""
    if not value or len(value) > MAX_CASE_ID or not SAFE_ID.match(value):
        raise click.BadParameter(f"{value[:40]!r} is not a case id (e.g. household-exit/<household>/<year>)")
    return value


def unit_id_argument(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not UNIT_ID.match(value or ""):
        raise click.BadParameter(f"{(value or '')[:40]!r} is not a unit id (letters, digits, . _ : @ -; at most 120)")
    return value


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    import asyncio

    return asyncio.run(coro)


def valid(model: type, **fields: Any) -> Any:
    from pydantic import ValidationError

    try:
        return model(**fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in exc.errors())
        raise BadUsage(problems) from None


def say(as_json: bool, data: Any, text: str) -> None:
    if as_json:
        from starters import render

        render.emit_json(data)
    else:
        click.echo(text)
