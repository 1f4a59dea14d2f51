"""The service's signature over a case's dossier order (domain/anchors.py), and the final head kept
in the registry at 销号. The workflow computes what is signed; this activity holds the service key
(the worker's trust folder), which never enters a workflow's history."""

from datetime import datetime

from pydantic import BaseModel
from temporalio import activity

from activities.errors import refusals_are_final
from activities.registry.case_heads import keep_final_head
from activities.registry.store import RegistryStore
from domain.anchors import AnchorStatement, DossierAnchor, sign_anchor
from workers.trust import WorkerTrust


class AnchorInput(BaseModel):
    """(case id, count, head) of the case's order chain as the workflow computed it; `final` at 销号."""

    case_id: str
    count: int
    head: str
    final: bool = False
    at: datetime


class DossierActivities:
    def __init__(self, store: RegistryStore, trust: WorkerTrust) -> None:
        self.store = store
        self.trust = trust

    @activity.defn
    def anchor_dossier(self, inp: AnchorInput) -> DossierAnchor:
        """Signs the statement with the service key; a final anchor is also kept in the registry."""
        statement = AnchorStatement(case_id=inp.case_id, count=inp.count, head=inp.head, final=inp.final, at=inp.at)
        anchor = sign_anchor(self.trust.service_key, self.trust.service_certificate, statement)
        if inp.final:
            anchor = refusals_are_final(lambda: keep_final_head(self.store, anchor))
            activity.logger.info("dossier_head_kept", extra={"case_id": inp.case_id, "count": inp.count})
        return anchor
