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


class RequiredText(click.ParamType):
    """Text a person must write: empty or only spaces is refused, naming the option."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from domain.text import is_blank

        text = str(value)
        if is_blank(text):
            self.fail("cannot be blank: write what it says" if text else "cannot be empty", param, ctx)
        return text


class IsoDate(click.ParamType):
    """A calendar date written YYYY-MM-DD; a date that does not exist is refused saying why."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import datetime

        if isinstance(value, datetime.date):
            return value
        try:
            return parse_date(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DATE_FORM = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(text: str) -> Any:
    """The date ``text`` names, or ValueError with the reason in a person's terms."""
    import calendar
    import datetime

    found = DATE_FORM.match(text.strip())
    if not found:
        raise ValueError(f"{text[:40]!r} is not a date: write it as YYYY-MM-DD, e.g. 2017-03-01")
    year, month, day = (int(part) for part in found.groups())
    if not 1 <= month <= 12:
        raise ValueError(f"{text} is not a date: there is no month {month}")
    if year < 1:
        raise ValueError(f"{text} is not a date: there is no year 0")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValueError(f"{text} is not a date: {calendar.month_name[month]} {year} has {days} days")
    return datetime.date(year, month, day)


TEXT = RequiredText()
DATE = IsoDate()


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


def official_id_argument(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--as: an official's id, checked before any key file is looked up by it."""
    if value is None:
        return value
    if not value.strip():
        raise click.BadParameter("cannot be empty: give your official id (e.g. changxiao-shaping-secretary)")
    if not UNIT_ID.match(value):
        raise click.BadParameter(f"{value[:40]!r} is not an official id (letters, digits, . _ : @ -; e.g. changxiao-shaping-secretary)")
    return value


def run(coro: Coroutine[Any, Any, Any], interrupted: str = "interrupted (Ctrl-C)") -> Any:
    """Runs a command's coroutine. Ctrl-C ends it with one line (``interrupted``) and exit 130,
    whatever the SDK turned the cancellation into on its way out (an update in flight raises its own
    error, not CancelledError)."""
    import asyncio
    import signal

    from starters.errors import Interrupted

    seen: list[int] = []

    async def main() -> Any:
        task = asyncio.current_task()
        assert task is not None

        def on_sigint() -> None:
            seen.append(signal.SIGINT)
            task.cancel()

        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGINT, on_sigint)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread: Python's own handler
            pass
        return await coro

    try:
        return asyncio.run(main())
    except BaseException as exc:
        if seen or isinstance(exc, KeyboardInterrupt):
            raise Interrupted(interrupted) from None
        raise


# What the officials' commands call each field of a message, for refusals in their terms.
OPTION_OF_FIELD = {
    "official_id": "--as", "meeting_ref": "--meeting", "note": "--note", "to_stage": "--to", "finding": "--finding",
    "name": "--name", "contact": "--contact", "reason": "--reason", "objection_id": "OBJECTION", "stage": "--stage",
}


def valid(model: type, **fields: Any) -> Any:
    """The message, or a usage error (exit 2) saying what is wrong in the terms of the command's options."""
    from pydantic import ValidationError

    try:
        return model(**fields)
    except ValidationError as exc:
        raise BadUsage("; ".join(_problem(e) for e in exc.errors())) from None


def _problem(error: Any) -> str:
    field = ".".join(map(str, error["loc"]))
    where = OPTION_OF_FIELD.get(field, field)
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "string_too_short":
        return f"{where} cannot be empty"
    if kind == "string_too_long":
        return f"{where} is too long (at most {ctx.get('max_length')} characters)"
    if kind == "string_pattern_mismatch":
        return f"{where} {str(error.get('input'))[:40]!r} is not an id (letters, digits and . _ : @ -, starting with a letter or digit)"
    message = str(ctx.get("error") or error["msg"]).removeprefix("Value error, ")
    return f"{where} {message}" if where else message


def say(as_json: bool, data: Any, text: str) -> None:
    if as_json:
        from starters import render

        render.emit_json(data)
    else:
        click.echo(text)
