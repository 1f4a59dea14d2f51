"""贫困户退出 (清委办〔2017〕25号 三(一)): 民主评议 → 核实认可 (村两委 and 驻村工作队 verify, the
household acknowledges, 村内公示不少于7天) → 审核上报 (乡镇党委政府集体研究, 书记、乡镇长签字) →
批准退出 (县领导小组审查, 县委县政府集体研究, 县委书记、县长签字). The stage table is
domain.procedures.HOUSEHOLD; the shared steps are in workflows.exit_case."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.messages import CaseOutcome, OpenCaseInput
    from domain.procedures import HOUSEHOLD
    from domain.roles import Level
    from workflows.exit_case import ExitCase


@workflow.defn
class HouseholdExitWorkflow(ExitCase):
    procedure = HOUSEHOLD

    @workflow.run
    async def run(self, inp: OpenCaseInput) -> CaseOutcome:
        if await self.decide_case(inp):
            # 在所在乡镇和行政村公告退出，同时在建档立卡贫困人口中销号
            await self.record_exit("household", announce=(Level.township, Level.village))
        return self.outcome()
