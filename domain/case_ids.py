"""Case ids are workflow ids built from the business key: one case per unit, exit type and year."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the CLI derives case ids without loading the procedure tables
    from domain.procedures import ExitType

_PREFIX = {
    "household": "household-exit", "village": "village-exit", "township": "township-exit", "county": "county-exit",
    "enrollment": "household-enrollment",  # 新增 / 返贫 (domain/enrollment.py)
}


def case_id(exit_type: ExitType | Literal["enrollment"], unit_id: str, year: int, designation: str | None = None) -> str:
    parts = [_PREFIX[exit_type], unit_id, str(year)]
    if designation:
        parts.insert(2, designation)
    return "/".join(parts)


def case_id_prefix(exit_type: str) -> str:
    """What every case id of the type starts with (before its first "/")."""
    return _PREFIX[exit_type]


def exit_type_of(case_id_: str) -> str | None:
    prefix = case_id_.split("/", 1)[0]
    return next((kind for kind, p in _PREFIX.items() if p == prefix), None)
