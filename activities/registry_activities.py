"""Activities that read the 建档立卡 registry and record 销号 in it."""

from temporalio import activity

from activities.errors import refusals_are_final
from activities.models import (
    HouseholdCaseData,
    LoadUnitInput,
    MarkExitedInput,
    RosterInput,
    StatusChangeResult,
)
from activities.registry.store import RegistryStore
from domain.officials import Roster
from domain.policy import PolicyConfig


class RegistryActivities:
    def __init__(self, store: RegistryStore, policy: PolicyConfig) -> None:
        self.store = store
        self.policy = policy

    @activity.defn
    def load_household_case(self, inp: LoadUnitInput) -> HouseholdCaseData:
        facts, path = refusals_are_final(lambda: self.store.household_case_data(inp.unit_id))
        return HouseholdCaseData(facts=facts, unit_path=path, policy=self.policy)

    @activity.defn
    def load_roster(self, inp: RosterInput) -> Roster:
        return self.store.roster(inp.jurisdiction_ids)

    @activity.defn
    def mark_exited(self, inp: MarkExitedInput) -> StatusChangeResult:
        if inp.unit_type != "household":
            raise NotImplementedError(f"销号 of a {inp.unit_type} is not implemented yet")
        change = refusals_are_final(
            lambda: self.store.mark_household_exited(inp.unit_id, inp.case_id, inp.year, inp.at)
        )
        activity.logger.info("unit_exited", extra={"unit_id": inp.unit_id, "case_id": inp.case_id})
        return StatusChangeResult(
            case_id=change.case_id, unit_type=change.unit_type, unit_id=change.unit_id,
            from_status=change.from_status, to_status=change.to_status, at=change.at,
        )
