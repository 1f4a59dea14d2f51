"""What a case shows operators: its search attributes (the Web UI's filters, `tuopin list`, the
inbox) and the Web UI's current details.

Who a case awaits is published once per wait (domain/waits.py): `Awaiting` names everyone the wait
began with and `AwaitingSince` when it began; a signature that leaves a colleague of the same phase
still to sign changes neither. Only attributes whose value changed are upserted: each upsert is a
history event and a visibility write.
"""

from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from domain.case import CaseState
    from domain.case_summary import current_details
    from domain.messages import Awaiting
    from domain.procedures import Procedure
    from domain.waits import WaitId, awaited, wait_of, within
    from workflows import search_attributes as sa


class CasePublisher:
    def __init__(self) -> None:
        self.wait: WaitId | None = None  # the wait last published
        self.wait_awaits: list[Awaiting] = []  # everyone it awaited when it began

    def publish(self, case: CaseState, procedure: Procedure) -> None:
        awaiting = awaited(case, procedure)
        wait = wait_of(case, procedure)
        if wait != self.wait or not within(awaiting, self.wait_awaits) or case.awaiting_since is None:
            self.wait, self.wait_awaits, case.awaiting_since = wait, awaiting, workflow.now()
        case.awaiting = awaiting
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.CASE_STAGE.value_set(case.stage),
            sa.CASE_STATUS.value_set(case.status),
            sa.AWAITING.value_set([a.key() for a in self.wait_awaits]),
            sa.AWAITING_SINCE.value_set(case.awaiting_since),
        ]
        if case.unit_path is not None:  # known from the opening on; set with the first publication
            updates.append(sa.TOWNSHIP.value_set(case.unit_path.township_id or ""))
            updates.append(sa.SIMULATION.value_set(case.simulation is not None))
        window = case.current_notice()
        if window is not None:
            updates.append(sa.NOTICE_CLOSES_AT.value_set(window.closes_at))
        upsert_changed(updates)
        workflow.set_current_details(current_details(case))


def upsert_changed(updates: list[SearchAttributeUpdate[Any]]) -> None:
    """Upserts the attributes whose value differs from the case's current one, if any."""
    current = workflow.info().typed_search_attributes
    changed = [u for u in updates if current.get(u.key) != u.value]
    if changed:
        workflow.upsert_search_attributes(changed)
