"""The final heads of exited cases' dossiers (table case_heads), kept at 销号."""

from sqlalchemy import select

from activities.registry.schema import CaseHead
from activities.registry.store import RegistryStore
from domain.anchors import DossierAnchor
from domain.refusals import Refusal


class HeadConflict(Refusal):
    """The registry already keeps another final head for this case."""


def keep_final_head(store: RegistryStore, anchor: DossierAnchor) -> DossierAnchor:
    """Keeps a case's closing anchor, once. Idempotent: a retried call returns the anchor kept first
    (the workflow keeps what this returns); a different head for the same case is refused."""
    st = anchor.statement
    with store.session() as s:
        kept = s.get(CaseHead, st.case_id)
        if kept is not None:
            first = DossierAnchor.model_validate_json(kept.anchor)
            if (first.statement.count, first.statement.head) != (st.count, st.head):
                raise HeadConflict(f"the registry already keeps another final head for {st.case_id}")
            return first
        s.add(CaseHead(case_id=st.case_id, entry_count=st.count, head=st.head, anchor=anchor.model_dump_json(), at=st.at))
    return anchor


def final_heads(store: RegistryStore, case_ids: list[str]) -> dict[str, DossierAnchor]:
    """Case id -> the closing anchor the registry keeps, for those of `case_ids` it has."""
    with store.session() as s:
        rows = s.scalars(select(CaseHead).where(CaseHead.case_id.in_(case_ids)))
        return {r.case_id: DossierAnchor.model_validate_json(r.anchor) for r in rows}
