"""Reads the facts a case freezes at opening, for every exit type: the activity and the CLI's
pre-check of an opening call this one function, so they cannot disagree."""

from typing import Any

from activities.registry.store import RegistryStore
from activities.registry.unit_queries import key_area_case_data, village_case_data
from domain.units import UnitPath


def load_case_facts(
    store: RegistryStore, exit_type: str, unit_id: str, year: int, designation: str | None
) -> tuple[dict[str, Any], UnitPath]:
    if exit_type in ("household", "enrollment"):  # an enrolment freezes the household's facts too
        facts, path = store.household_case_data(unit_id)
    elif exit_type == "village":
        facts, path = village_case_data(store, unit_id, designation or "poor", year)  # type: ignore[arg-type]
    else:
        facts, path = key_area_case_data(store, exit_type, unit_id, year)
    return facts.model_dump(mode="json"), path
