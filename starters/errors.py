"""One exception hierarchy for the CLI; each class carries its exit code (README.md, "The command line")."""

from collections.abc import Callable
from typing import TypeVar

import click

T = TypeVar("T")


class CliError(click.ClickException):
    exit_code = 1
    kind = "error"

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        if kind:
            self.kind = kind


class Refused(CliError):
    """The pipeline refused: a rule, a role, a closed window. Exit 1."""

    exit_code = 1
    kind = "refused"


class BadUsage(CliError):
    """The command itself is malformed. Exit 2."""

    exit_code = 2
    kind = "usage"


class Unreachable(CliError):
    """The Temporal server, a worker or the registry cannot be reached. Exit 3."""

    exit_code = 3
    kind = "unreachable"


class Interrupted(CliError):
    """Ctrl-C: one line, no traceback, the shell's code for SIGINT."""

    exit_code = 130
    kind = "interrupted"

    def __init__(self, message: str = "interrupted (Ctrl-C)") -> None:
        super().__init__(message)


def registry_call(fn: Callable[[], T]) -> T:
    """Runs a registry read or write: a business refusal exits 1 naming its reason, an unreachable
    registry exits 3."""
    from activities.registry.store import RegistryUnavailable, RegistryUrlError
    from domain.refusals import Refusal

    try:
        return fn()
    except RegistryUrlError as exc:
        raise BadUsage(str(exc)) from None
    except RegistryUnavailable as exc:
        raise Unreachable(str(exc)) from None
    except Refusal as exc:
        raise Refused(str(exc), kind=type(exc).__name__) from None
