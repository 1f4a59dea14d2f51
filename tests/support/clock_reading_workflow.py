"""A workflow that does what the sandbox exists to stop: it reads the machine's clock."""

from datetime import datetime

from temporalio import workflow


@workflow.defn
class ClockReadingWorkflow:
    @workflow.run
    async def run(self) -> str:
        return datetime.now().isoformat()
