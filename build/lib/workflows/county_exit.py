"""重点县退出 (三(四)): 县申请 (the county leading group) → 市初评 (the city leading group, each
public-service indicator found against the province average) → 市委、市政府审核后申请 → 省领导小组
审核批准. The policy posts no 公示 and names no 公告 for a county: the province's approval and the
registry change (摘帽) end the case. The stage table is domain.procedures.COUNTY."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.messages import CaseOutcome, OpenCaseInput
    from domain.procedures import COUNTY
    from workflows.exit_case import ExitCase


@workflow.defn
class CountyExitWorkflow(ExitCase):
    procedure = COUNTY

    @workflow.run
    async def run(self, inp: OpenCaseInput) -> CaseOutcome:
        return await self._approve_then_record(inp)

    async def _approve_then_record(self, inp: OpenCaseInput) -> CaseOutcome:
        if not await self.decide_case(inp):
            return self.outcome()
        await self.record_exit("county")
        return self.outcome()
