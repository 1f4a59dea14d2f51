"""How a case anchors its dossier: it computes the order chain's head over its own entries
(domain.dossier.order_head, pure) and has the worker's service key sign it (an activity: the key
never enters history). The case keeps each anchor; the dossier embeds them. At 销号 the final
anchor is also kept in the registry."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.dossier_activities import AnchorInput, DossierActivities
    from domain.case import CaseState
    from domain.dossier import order_head
    from workflows.registry_steps import registry_step


async def anchor_dossier(case: CaseState, final: bool = False) -> None:
    """Anchors the entries as they stand; nothing to do when the last anchor already covers them."""
    count, head = order_head(case)
    last = case.anchors[-1].statement if case.anchors else None
    if last is not None and (last.count, last.head) == (count, head) and (last.final or not final):
        return
    anchor = await registry_step(
        DossierActivities.anchor_dossier,
        AnchorInput(case_id=case.case_id, count=count, head=head, final=final, at=workflow.now()),
    )
    case.anchors.append(anchor)
