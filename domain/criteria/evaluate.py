"""One entry to the criteria of every exit type, over the facts a case froze at opening."""

from typing import Any

from domain.criteria.household import HouseholdFacts, evaluate_household
from domain.criteria.key_area import KeyAreaFacts, evaluate_key_area
from domain.criteria.report import CriteriaReport
from domain.criteria.village import VillageFacts, evaluate_village
from domain.policy import PolicyConfig


def evaluate_case(exit_type: str, facts: dict[str, Any], year: int, policy: PolicyConfig) -> CriteriaReport:
    """The report names the exit year; every figure a check compares is of that year (the unit checks
    refuse a figure of another)."""
    if exit_type == "household":
        return evaluate_household(HouseholdFacts.model_validate(facts), year, policy.poverty_lines, policy.stability)
    if exit_type == "village":
        return evaluate_village(VillageFacts.model_validate(facts), year)
    return evaluate_key_area(KeyAreaFacts.model_validate(facts), year)
