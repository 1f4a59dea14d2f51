"""The bare reference: a Temporal workflow of the household procedure's shape with no domain logic.

Same shape as a tuopin household case: opened by a start that carries the first (appraisal)
decision; 8 updates (2 verifications, the household's consent, 2 township and 3 county signatures);
the procedure's 6 registry activities (load the case, post and close the notice, announce in
township and village, 销号); 1 timer (the notice window). Updates only append to a list; activities
do nothing. `make bench` runs the registry steps as local activities, as tuopin does, and the worker
uses tuopin's workflow runner (workers/runner.py), so this is the engine's floor for tuopin. Both the
workflow and the activities run in a worker process of their own:

    python -m bench.bare_workflow --address HOST:PORT --task-queue Q
"""

import argparse
import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

from workers.runner import workflow_runner

# stage -> number of signatures the driver sends there (the household procedure's slots)
SIGNATURES = {"verification": 3, "township_review": 2, "county_approval": 3}
ACTIVITY_CALL = {"start_to_close_timeout": timedelta(seconds=60)}


@dataclass
class BareDecision:
    stage: str
    official_id: str
    outcome: str = "approve"
    meeting_ref: str | None = None


@dataclass
class BareInput:
    case_id: str
    notice_seconds: int
    first: BareDecision
    local: bool = False  # the registry steps as local activities, as tuopin runs them


@dataclass
class BareAck:
    case_id: str
    stage: str
    seq: int


@dataclass
class UnitRef:
    case_id: str
    step: str


@activity.defn
def registry_step(ref: UnitRef) -> None:
    """Stands for each of the procedure's registry calls; does nothing."""


@workflow.defn
class BareHouseholdWorkflow:
    def __init__(self) -> None:
        self.stage = "appraisal"
        self.decisions: list[BareDecision] = []
        self.case_id = ""
        self.local = False

    @workflow.run
    async def run(self, inp: BareInput) -> str:
        self.case_id = inp.case_id
        self.local = inp.local
        self.decisions.append(inp.first)
        await self._step("load_case")
        await self._signatures("verification")
        self.stage = "notice"
        await self._step("post_notice")
        await workflow.sleep(timedelta(seconds=inp.notice_seconds))
        await self._step("close_notice")
        await self._signatures("township_review")
        await self._signatures("county_approval")
        self.stage = "exited"
        await self._step("announce_township")
        await self._step("announce_village")
        await self._step("mark_exited")
        return self.stage

    async def _signatures(self, stage: str) -> None:
        self.stage = stage
        await workflow.wait_condition(lambda: sum(d.stage == stage for d in self.decisions) >= SIGNATURES[stage])

    async def _step(self, name: str) -> None:
        if self.local:
            await workflow.execute_local_activity(registry_step, UnitRef(self.case_id, name), **ACTIVITY_CALL)
        else:
            await workflow.execute_activity(registry_step, UnitRef(self.case_id, name), **ACTIVITY_CALL)

    @workflow.update
    def decide(self, decision: BareDecision) -> BareAck:
        self.decisions.append(decision)
        return BareAck(self.case_id, self.stage, len(self.decisions))

    @workflow.query
    def current_stage(self) -> str:
        return self.stage


def build_worker(client: Client, task_queue: str, executor: ThreadPoolExecutor) -> Worker:
    return Worker(client, task_queue=task_queue, workflows=[BareHouseholdWorkflow], activities=[registry_step],
                  activity_executor=executor, workflow_runner=workflow_runner())


async def _main(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with build_worker(client, task_queue, executor):
            print("bare_worker_started", flush=True)
            await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--address", required=True)
    parser.add_argument("--task-queue", required=True)
    args = parser.parse_args()
    asyncio.run(_main(args.address, args.task_queue))
