"""贫困村 / 空壳村退出 (三(二)): 调查核实 (the township's party committee and government survey the
village with the departments) → 公示公告 (in the township and the village, 不少于7天) → 批准退出
(县领导小组审查, 县委和政府批准). A village that is both 贫困村 and 空壳村 runs one case for each
designation. The stage table is domain.procedures.VILLAGE."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.messages import CaseOutcome, OpenCaseInput
    from domain.procedures import VILLAGE
    from domain.roles import Level
    from workflows.exit_case import ExitCase


@workflow.defn
class VillageExitWorkflow(ExitCase):
    procedure = VILLAGE

    @workflow.run
    async def run(self, inp: OpenCaseInput) -> CaseOutcome:
        if await self.decide_case(inp):
            # 并向社会公告退出，同时报市精准扶贫领导小组备案; 出列 in the registry
            await self.record_exit(f"village_{inp.designation}", announce=(Level.county,), file_with=(Level.city,))
        return self.outcome()
