"""One exception hierarchy for the CLI; each class carries its exit code (SPEC.md)."""

import click


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
    """The Temporal server or the registry cannot be reached. Exit 3."""

    exit_code = 3
    kind = "unreachable"
