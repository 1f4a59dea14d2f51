"""贫困户纳入 (动态管理, 清委办〔2017〕25号 二.1: 新增贫困人口和返贫人口要及时纳入扶贫范围): 民主评议 (the
reason recorded: newly poor or returned) → 村内公示 (7 days, objections) → 审核上报 (乡镇书记、乡镇长,
集体研究) → 批准纳入 (县领导小组; 县委书记、县长, 集体研究) → the household poor in the registry, on
this case's authority. The stage table is domain.procedures.ENROLLMENT (domain/enrollment.py says
why it mirrors the exit); the shared steps are in workflows.exit_case."""

from temporalio import workflow
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.models import LoadCaseInput, RecordEnrollmentInput
    from activities.registry_activities import RegistryActivities
    from domain.enrollment import ENROLLMENT, check_opening, reason_of
    from domain.messages import CaseOutcome, OpenCaseInput
    from domain.refusals import Refusal
    from domain.signoff_rules import reject
    from workflows.dossier_anchors import anchor_dossier
    from workflows.exit_case import ExitCase
    from workflows.registry_steps import is_refusal, registry_step


def _refusal_of(err: FailureError) -> tuple[str, str]:
    cause = err.cause if isinstance(err, ActivityError) and err.cause is not None else err
    return getattr(cause, "type", None) or "Refused", cause.message


@workflow.defn
class HouseholdEnrollmentWorkflow(ExitCase):
    procedure = ENROLLMENT

    @workflow.run
    async def run(self, inp: OpenCaseInput) -> CaseOutcome:
        if await self._enrollment_decided(inp):
            await self._enroll()
        if self.case.status == "enrolled":
            return CaseOutcome(case_id=self.case.case_id, status="enrolled")
        return self.outcome()

    async def _enrollment_decided(self, inp: OpenCaseInput) -> bool:
        """Freezes the household's facts, checks the opening's reason against the registry and walks
        every stage; True when the county approved. No exit criteria: the household is not leaving."""
        if inp.resume is not None:
            return await self._resume(inp.resume)
        await self.refuse_another_type(inp)
        try:
            data = await registry_step(
                RegistryActivities.load_case, LoadCaseInput(exit_type="enrollment", unit_id=inp.unit_id, year=inp.year),
            )
        except FailureError as err:  # no such household: the opening is refused
            if not is_refusal(err):
                raise
            await self.refuse_opening(*_refusal_of(err))
        self.officials.accept(data.signers)
        self.case.facts = data.facts  # 实事求是: frozen here, as for an exit
        self.case.unit_path = data.unit_path
        self.case.notice_rule = data.policy.notice
        self.case.simulation = inp.simulation
        if inp.simulation is not None and not data.simulation_worker:
            await self.refuse_opening(
                "SimulationRefused", "a simulated case (shortened notice) is refused by a production worker"
            )
        await self.open_case(inp)  # the signed 民主评议 record, with its reason
        try:
            check_opening(inp.unit_id, self.reason(), str(data.facts.get("status")))
        except Refusal as exc:
            await self.refuse_opening(type(exc).__name__, str(exc))
        await self.run_procedure()
        return self.case.status == "open"

    def reason(self) -> str:
        """newly-poor or returned, as the opening's 民主评议 recorded and its opener signed it."""
        return reason_of(self.case.decisions[0].record if self.case.decisions else None)

    async def _enroll(self) -> None:
        """The registry write, once, naming this case: the completed procedure is the authority. A
        household no longer as the case found it (enrolled meanwhile by another case) rejects it."""
        try:
            change = await registry_step(RegistryActivities.record_enrollment, RecordEnrollmentInput(
                household_id=self.case.unit_id, case_id=self.case.case_id, reason=self.reason(),
                year=self.case.year, at=workflow.now(),
            ))
        except FailureError as err:
            if not is_refusal(err):
                raise
            kind, message = _refusal_of(err)
            reject(self.case, f"the registry refused the enrolment ({kind}): {message}", workflow.now())
            return
        self.case.registry_change = change.model_dump(mode="json")
        self.finish("enrolled")
        await anchor_dossier(self.case, final=True)  # the final head, also kept in the registry
