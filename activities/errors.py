"""Turns business refusals into non-retryable ApplicationErrors named after the refusal: an
activity then fails for good instead of retrying, and an update is refused with its reason."""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from temporalio.exceptions import ApplicationError

from domain.refusals import Refusal

T = TypeVar("T")


def refusals_are_final(fn: Callable[[], T]) -> T:
    """A refusal will not change by retrying; a lost connection may, so it is left to the retry policy."""
    try:
        return fn()
    except Refusal as exc:
        raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
    except SQLAlchemyError as exc:
        # retryable, but short: SQLAlchemy's own exception (SQL, parameters, a deep chained traceback)
        # would exceed the server's size limit and operators would see only "Failure exceeds size limit"
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:500]
        raise ApplicationError(f"registry error: {reason}", type=type(exc).__name__) from None
