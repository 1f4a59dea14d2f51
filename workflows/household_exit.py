"""贫困户退出: 民主评议 → 核实认可 (with 村内公示) → 审核上报 → 批准退出, then 公告 and 销号."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.models import LoadUnitInput, MarkExitedInput
    from activities.registry_activities import RegistryActivities
    from domain.criteria.household import evaluate_household
    from domain.messages import CaseOutcome, OpenCaseInput
    from domain.procedures import HOUSEHOLD
    from domain.signoff_rules import reject
    from workflows import search_attributes as sa
    from workflows.exit_case import ExitCase
    from workflows.timeouts import REGISTRY_CALL


@workflow.defn
class HouseholdExitWorkflow(ExitCase):
    procedure = HOUSEHOLD

    @workflow.run
    async def run(self, inp: OpenCaseInput) -> CaseOutcome:
        data = await workflow.execute_activity_method(
            RegistryActivities.load_household_case, LoadUnitInput(unit_id=inp.unit_id, year=inp.year), **REGISTRY_CALL
        )
        # 实事求是: the case is decided on the data it was opened with, frozen here.
        self.case.facts = data.facts.model_dump(mode="json")
        self.case.unit_path = data.unit_path
        self.case.notice_rule = data.policy.notice
        self.case.criteria = evaluate_household(data.facts, inp.year, data.policy.poverty_lines, data.policy.stability)
        workflow.upsert_search_attributes([sa.TOWNSHIP.value_set(data.unit_path.township_id or "")])
        if not self.case.criteria.met:
            reject(self.case, "exit criteria not met: " + "; ".join(self.case.criteria.failures()), workflow.now())
        elif await self.open_case(inp):
            await self.run_procedure()
        if self.case.status == "open":
            await self.announce()
            change = await workflow.execute_activity_method(
                RegistryActivities.mark_exited,
                MarkExitedInput(
                    unit_type="household", unit_id=inp.unit_id, case_id=self.case.case_id, year=inp.year, at=workflow.now()
                ),
                **REGISTRY_CALL,
            )
            self.case.registry_change = change.model_dump(mode="json")
            self.finish("exited")
        else:
            self.finish(self.case.status)
        return CaseOutcome(case_id=self.case.case_id, status=self.case.status, reason=self.case.outcome_reason)
