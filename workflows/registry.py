"""Which workflow runs which case type (the four exits and the enrolment)."""

from workflows.county_exit import CountyExitWorkflow
from workflows.household_enrollment import HouseholdEnrollmentWorkflow
from workflows.household_exit import HouseholdExitWorkflow
from workflows.name_list import NameListWorkflow
from workflows.reminder_sweep import ReminderSweepWorkflow
from workflows.spot_check import SpotCheckWorkflow
from workflows.township_exit import TownshipExitWorkflow
from workflows.village_exit import VillageExitWorkflow

WORKFLOW_BY_EXIT_TYPE = {
    "household": HouseholdExitWorkflow,
    "village": VillageExitWorkflow,
    "township": TownshipExitWorkflow,
    "county": CountyExitWorkflow,
    "enrollment": HouseholdEnrollmentWorkflow,  # 新增 / 返贫: not an exit, the same machinery
}
ALL_WORKFLOWS = [*WORKFLOW_BY_EXIT_TYPE.values(), ReminderSweepWorkflow, SpotCheckWorkflow, NameListWorkflow]
