"""重点乡退出 (三(三)): 乡申请 → 县初评 (each public-service indicator found against the city average) →
市审核 (the city leading group fixes the list) → 向社会公示 (不少于7天) → 市委、市政府批准.
The stage table is domain.procedures.TOWNSHIP."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.messages import CaseOutcome, OpenCaseInput
    from domain.procedures import TOWNSHIP
    from domain.roles import Level
    from workflows.exit_case import ExitCase


@workflow.defn
class TownshipExitWorkflow(ExitCase):
    procedure = TOWNSHIP

    @workflow.run
    async def run(self, inp: OpenCaseInput) -> CaseOutcome:
        approved = await self.decide_case(inp)
        if approved:
            # 基本原则3: 贫困乡出列 ... 结果公示公告
            await self.record_exit("township", announce=(Level.city,))
        return self.outcome()
