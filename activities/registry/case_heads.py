"""The final heads of exited cases' dossiers (table case_heads), kept at 销号."""

import logging

from sqlalchemy import select

from activities.registry.schema import CaseHead
from activities.registry.store import RegistryStore
from domain.anchors import DossierAnchor
from domain.refusals import Refusal


log = logging.getLogger(__name__)


class HeadConflict(Refusal):
    """The registry already keeps another final head for this case."""


def keep_final_head(store: RegistryStore, anchor: DossierAnchor) -> DossierAnchor:
    """Keeps a case's closing anchor. Idempotent: a retried call returns the anchor kept first (the
    workflow keeps what this returns).

    A different, later head for the same case replaces the kept one. The workflow asks only once per
    workflow task, and its history records the answer; it asks again with another head only when the
    task that asked first was lost (a worker killed after the registry committed, before the server
    heard of it): the new worker re-runs the task at a later time, so the closing entries carry other
    times and chain to another head. The lost task's head is in no history and no dossier reaches it;
    kept, it would make every honest dossier of the case fail verification. An earlier head than the
    one kept (a stale call) is refused."""
    st = anchor.statement
    with store.session() as s:
        kept = s.get(CaseHead, st.case_id)
        if kept is not None:
            first = DossierAnchor.model_validate_json(kept.anchor)
            if (first.statement.count, first.statement.head) == (st.count, st.head):
                return first
            if st.at <= first.statement.at:
                raise HeadConflict(f"the registry already keeps a later final head for {st.case_id}")
            log.warning("final_head_replaced", extra={"case_id": st.case_id, "lost_head": first.statement.head,
                                                      "head": st.head})
            kept.entry_count, kept.head, kept.anchor, kept.at = st.count, st.head, anchor.model_dump_json(), st.at
            return anchor
        s.add(CaseHead(case_id=st.case_id, entry_count=st.count, head=st.head, anchor=anchor.model_dump_json(), at=st.at))
    return anchor


def final_heads(store: RegistryStore, case_ids: list[str]) -> dict[str, DossierAnchor]:
    """Case id -> the closing anchor the registry keeps, for those of `case_ids` it has."""
    with store.session() as s:
        rows = s.scalars(select(CaseHead).where(CaseHead.case_id.in_(case_ids)))
        return {r.case_id: DossierAnchor.model_validate_json(r.anchor) for r in rows}
