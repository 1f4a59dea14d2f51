"""纳入 (新增 / 返贫) in the registry: the household becomes poor, on the authority of the enrolment case
that decided it (domain/enrollment.py): written once, by that case, after its county approval."""

from datetime import datetime

from sqlalchemy import select

from activities.registry.schema import Household, StatusChange
from activities.registry.store import RegistryStore
from domain.enrollment import ENROLLED, check_opening
from domain.refusals import UnitNotFound


def enroll_by_case(
    store: RegistryStore, household_id: str, case_id: str, reason: str, year: int, at: datetime, simulated: bool = False,
) -> StatusChange:
    """The household back to (or into) poor, with the status change naming the case. Idempotent: a
    second call by the same case returns the first change. Refused if the household is no longer what
    the case found at opening (e.g. another case enrolled it meanwhile)."""
    with store.session() as s:
        previous = s.scalar(select(StatusChange).where(
            StatusChange.case_id == case_id, StatusChange.unit_id == household_id, StatusChange.to_status == ENROLLED
        ))
        if previous is not None:
            return previous
        household = s.get(Household, household_id, with_for_update=True)
        if household is None:
            raise UnitNotFound(f"no household {household_id!r} in the registry")
        before = household.status
        check_opening(household_id, reason, before)
        household.status = ENROLLED
        household.exited_year, household.exited_case_id, household.exited_at = None, None, None
        change = StatusChange(case_id=case_id, unit_type="household", unit_id=household_id, year=year,
                              from_status=before, to_status=ENROLLED, at=at, simulated=simulated)
        s.add(change)
        s.flush()
        return change
