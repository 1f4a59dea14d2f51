"""Activities that read the 建档立卡 registry and record exits (销号, 出列, 摘帽) in it."""

from temporalio import activity

from activities.case_loading import load_case_facts
from activities.errors import refusals_are_final
from activities.list_activities import ListOpeningsInput, OpeningRefusals
from activities.models import (
    CaseData,
    LoadCaseInput,
    RecordEnrollmentInput,
    RecordExitInput,
    RosterInput,
    Signers,
    StatusChangeResult,
)
from activities.registry.enrollments import enroll_by_case
from activities.registry.exits import announce_and_mark_exited
from activities.registry.schema import StatusChange
from activities.registry.store import RegistryStore, as_utc
from activities.registry.working_year import current_year
from activities.signers import read_signers
from domain.criteria.evaluate import evaluate_case
from domain.policy import PolicyConfig
from domain.refusals import Refusal
from domain.working_year import require_working_year


class RegistryActivities:
    def __init__(self, store: RegistryStore, policy: PolicyConfig, trust_root: str, simulation: bool = False) -> None:
        self.store = store
        self.policy = policy
        self.trust_root = trust_root  # the administrator's root, from the worker's configuration
        self.simulation = simulation

    @activity.defn
    def load_case(self, inp: LoadCaseInput) -> CaseData:
        # the working year first: a case for any other year is refused before its facts are read
        refusals_are_final(lambda: require_working_year(inp.year, current_year(self.store, self.trust_root)))
        facts, path = refusals_are_final(
            lambda: load_case_facts(self.store, inp.exit_type, inp.unit_id, inp.year, inp.designation)
        )
        signers = self.load_signers(RosterInput(jurisdiction_ids=path.jurisdiction_ids()))
        return CaseData(facts=facts, unit_path=path, policy=self.policy, simulation_worker=self.simulation, signers=signers)

    @activity.defn
    def check_list_openings(self, inp: ListOpeningsInput) -> OpeningRefusals:
        """名单 opened all or nothing: what each member's case would check at its opening from the
        registry (the working year, the unit, the criteria) and that the unit is in the list's unit,
        for every unit, before any case is opened. Reads only."""
        refused: dict[str, str] = {}
        try:
            require_working_year(inp.year, current_year(self.store, self.trust_root))
        except Refusal as exc:
            return OpeningRefusals(refused={unit: str(exc) for unit in inp.units})
        for unit in inp.units:
            try:
                facts, path = load_case_facts(self.store, inp.exit_type, unit, inp.year, inp.designation)
            except Refusal as exc:
                refused[unit] = str(exc)
                continue
            if inp.unit_id not in path.jurisdiction_ids():
                refused[unit] = f"not in {inp.unit_id}"
                continue
            report = evaluate_case(inp.exit_type, facts, inp.year, self.policy)
            if not report.met:
                refused[unit] = "exit criteria not met: " + "; ".join(report.failures())
        return OpeningRefusals(refused=refused)

    @activity.defn
    def planned_list_members(self, inp: ListOpeningsInput) -> OpeningRefusals:
        """`open list household V --planned`: the village's households still poor and planned (in the
        registry's plan) to exit in the year, those that meet the criteria chosen, the others left out
        with the reason. Reads only."""
        try:
            require_working_year(inp.year, current_year(self.store, self.trust_root))
        except Refusal as exc:
            return OpeningRefusals(refused={inp.unit_id: str(exc)})
        planned = [row["household_id"] for row in self.store.list_households(village_id=inp.unit_id, status="poor")
                   if row["planned_exit_year"] == inp.year]
        judged = self.check_list_openings(inp.model_copy(update={"units": planned}))
        return OpeningRefusals(refused={}, units=[u for u in planned if u not in judged.refused],
                               left_out=judged.refused)

    @activity.defn
    def load_signers(self, inp: RosterInput) -> Signers:
        return read_signers(self.store, inp, self.trust_root)

    @activity.defn
    def record_exit(self, inp: RecordExitInput) -> StatusChangeResult:
        """公告 (and 备案) with 销号 in one transaction."""
        mark = inp.exit
        change = refusals_are_final(lambda: announce_and_mark_exited(
            self.store, [a.model_dump() for a in inp.announcements],
            mark.unit_type, mark.unit_id, mark.case_id, mark.year, mark.at, simulated=self.simulation,
        ))
        activity.logger.info("unit_exited", extra={
            "unit_type": mark.unit_type, "unit_id": mark.unit_id, "case_id": mark.case_id,
            "announcements": len(inp.announcements),
        })
        return _result(change)

    @activity.defn
    def record_enrollment(self, inp: RecordEnrollmentInput) -> StatusChangeResult:
        """纳入: the household poor in the registry, once, by the enrolment case that decided it."""
        change = refusals_are_final(lambda: enroll_by_case(
            self.store, inp.household_id, inp.case_id, inp.reason, inp.year, inp.at, simulated=self.simulation,
        ))
        activity.logger.info("household_enrolled", extra={"unit_id": inp.household_id, "case_id": inp.case_id})
        return _result(change)


def _result(change: StatusChange) -> StatusChangeResult:
    return StatusChangeResult(
        case_id=change.case_id, unit_type=change.unit_type, unit_id=change.unit_id,
        from_status=change.from_status, to_status=change.to_status, at=as_utc(change.at),
    )
