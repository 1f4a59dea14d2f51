"""Who a case waits on now, and which wait that is.

A wait is one step of the procedure that needs people: a phase of sign-offs in one pass of a stage,
or a notice with objections to settle. Its awaited list only shrinks while it lasts (each signature
fills a slot), so the search attributes publish a wait once, when it begins: `Awaiting` names
everyone the step awaited then and `AwaitingSince` says when it began. Who is still needed is the
case's own `awaited` (the `state` and `awaited` queries); the inbox and the reminder sweep ask it.
"""

from domain.case import CaseState
from domain.messages import Awaiting
from domain.notice_posting import POSTING_ROLES, awaiting_posting, notice_issued, unposted
from domain.procedures import Procedure
from domain.signoff_rules import current_phase


def awaited(case: CaseState, procedure: Procedure) -> list[Awaiting]:
    """Everyone whose message the case needs now, in slot order."""
    if case.status != "open" or not case.ready or case.pending_return:
        return []
    assert case.unit_path is not None
    stage = procedure.stage(case.stage)
    if stage.kind == "notice":
        if case.simulation is None and awaiting_posting(case):
            # the notice waits for its posting: the places' officials record it (domain/notice_posting.py)
            return [Awaiting(role=role.value, jurisdiction=where) for level, where in unposted(case, stage)
                    for role in POSTING_ROLES.get(level, ())]
        if not case.open_objections():
            return []
        assert stage.resolver_level is not None
        where = case.unit_path.jurisdiction(stage.resolver_level)
        return [Awaiting(role=role.value, jurisdiction=where) for role in stage.resolver_roles]
    phase_no = current_phase(case, stage)
    if phase_no is None:
        return []
    return [
        Awaiting(role=role.value, jurisdiction=case.unit_path.jurisdiction(slot.level))
        for slot in stage.phases[phase_no]
        if slot.key not in case.filled
        for role in slot.roles
    ]


WaitId = tuple[object, ...]


def wait_of(case: CaseState, procedure: Procedure) -> WaitId:
    """Identifies the case's current wait, whatever has been signed within it: a new wait begins with
    a new pass of a stage, the next phase, a pending return, the first objection lodged or the last
    one settled, a new notice window, and the case's end."""
    stage = procedure.stage(case.stage)
    step: tuple[object, ...]
    if stage.kind == "notice":
        step = ("notice", len(case.notices), bool(case.open_objections()), notice_issued(case))
    else:
        step = ("phase", current_phase(case, stage))
    return (case.status, case.ready, case.stage, case.stage_pass.get(case.stage, 0), case.pending_return, *step)


def within(now: list[Awaiting], published: list[Awaiting]) -> bool:
    """True when everyone awaited now was already named when the wait was published."""
    return set(now) <= set(published)
