"""The reminder outbox and the one look-up escalation needs: the jurisdiction above a jurisdiction."""

from datetime import datetime

from sqlalchemy import select

from activities.registry.schema import City, County, Household, ReminderOutbox, Township, Village
from activities.registry.store import RegistryStore


def parent_jurisdiction(store: RegistryStore, jurisdiction_id: str) -> str | None:
    """household → village → township → county → city → province."""
    with store.session() as s:
        for model, parent in ((Household, "village_id"), (Village, "township_id"), (Township, "county_id"),
                              (County, "city_id"), (City, "province_id")):
            row = s.get(model, jurisdiction_id)
            if row is not None:
                return getattr(row, parent)
    return None


def add_to_outbox(
    store: RegistryStore, case_id: str, kind: str, recipient: str, stage: str, waiting_since: datetime, now: datetime
) -> bool:
    """True when the row is new; the same wait never reminds the same recipient twice."""
    with store.session() as s:
        exists = s.scalar(select(ReminderOutbox.id).where(
            ReminderOutbox.case_id == case_id, ReminderOutbox.kind == kind,
            ReminderOutbox.recipient == recipient, ReminderOutbox.waiting_since == waiting_since,
        ))
        if exists is not None:
            return False
        s.add(ReminderOutbox(case_id=case_id, kind=kind, recipient=recipient, stage=stage,
                             waiting_since=waiting_since, created_at=now))
        return True


def outbox(store: RegistryStore, case_id: str | None = None) -> list[ReminderOutbox]:
    with store.session() as s:
        query = select(ReminderOutbox).order_by(ReminderOutbox.id)
        if case_id:
            query = query.where(ReminderOutbox.case_id == case_id)
        return list(s.scalars(query))
