"""动态管理 in the registry: the signed registration of a newly poor household's data (登记), as a
candidate for enrolment, not as poor: only an enrolment case (workflows/household_enrollment.py,
activities/registry/enrollments.py) makes a household poor, new or returned. The signature is checked
here, against the official's registered keys, before anything is written; a signed message counts once."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.registry.keys import revocations_by_id
from activities.registry.schema import Household, HouseholdIncome, OfficialPost, Reentry, StatusChange, Village
from activities.registry.store import RegistryStore, as_utc
from domain.enrollment import STATUS_BEFORE
from domain.officials import Official
from domain.reentry import (
    REENTRY_PASS,
    STAGE,
    NewHousehold,
    ReentryCommand,
    ReentryRecord,
    ReentryRefused,
    check_recorder,
    register_id,
)
from domain.refusals import UnitNotFound, UnknownOfficial
from domain.roles import Role
from domain.signature_rules import Ledger, accept_revocation, check_signed, signature_digest
from domain.signing import Signature


CANDIDATE = STATUS_BEFORE["newly-poor"]


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _official(store: RegistryStore, official_id: str) -> Official:
    official = store.official(official_id)
    if official is None:
        raise UnknownOfficial(f"no active official {official_id!r} in the registry")
    return official


def _verify(
    store: RegistryStore, s: Session, official: Official, cmd: ReentryCommand, at: datetime, trust_root: str
) -> Signature:
    """The signature over the re-entry as the registry rebuilt it, its key certified by the pinned root
    and not revoked; a signature the registry recorded before is refused (the registry's rows are this
    subject's used signatures)."""
    ledger = Ledger(subject_id=cmd.subject_id, trust_root=trust_root)
    if cmd.signature is not None:
        for revocation in revocations_by_id(store, [cmd.signature.key_id]):
            accept_revocation(ledger, revocation)
    signature = check_signed(ledger, cmd, stage=STAGE, pass_id=REENTRY_PASS, official=official, now=at)
    if s.scalar(select(Reentry.id).where(Reentry.signature_sha256 == signature_digest(signature))) is not None:
        raise ReentryRefused(f"this signed re-entry of {official.official_id} was already recorded; a message counts once")
    return signature


def register_candidate(
    store: RegistryStore, household_id: str, new: NewHousehold, reason: str, evidence_sha256: str,
    official_id: str, signature: Signature | None, at: datetime, *, trust_root: str,
) -> ReentryRecord:
    """登记: a newly poor household's data enters the registry as a candidate (with its head's post, to
    consent at its later exit); `tuopin open enrollment HOUSEHOLD --reason newly-poor` enrols it."""
    guarantees = new.guarantees()
    with store.session() as s:
        if s.get(Household, household_id) is not None:
            raise ReentryRefused(f"household {household_id} is in the registry already")
        if s.get(Village, new.village_id) is None:
            raise UnitNotFound(f"no village {new.village_id!r} in the registry")
        official = _official(store, official_id)
        check_recorder(official, new.village_id)
        cmd = ReentryCommand(household_id=household_id, kind="new", reason=reason, evidence_sha256=evidence_sha256,
                             household=new, official_id=official_id, signature=signature)
        signature = _verify(store, s, official, cmd, at, trust_root)
        s.add(Household(id=household_id, village_id=new.village_id, head_name=new.head_name, members=new.members,
                        status=CANDIDATE, synthetic=False, **guarantees))
        s.flush()
        for year, yuan in sorted(new.per_capita_income.items()):
            s.add(HouseholdIncome(household_id=household_id, year=year, per_capita_income=Decimal(yuan)))
        head = f"{household_id}-head"
        if s.get(OfficialPost, head) is None:
            s.add(OfficialPost(id=head, person_id=f"p-{head}", name=new.head_name, role=Role.household_head.value,
                               jurisdiction_id=household_id, synthetic=False))
        rid = register_id(household_id)
        s.add(StatusChange(case_id=rid, unit_type="household", unit_id=household_id, year=None,
                           from_status="unregistered", to_status=CANDIDATE, at=at))
        row = _reentry_row(rid, household_id, "new", reason, evidence_sha256, None, official, signature, at)
        s.add(row)
        s.flush()
        return _record(row, CANDIDATE)


def _reentry_row(
    rid: str, household_id: str, kind: str, reason: str, evidence_sha256: str, previous: str | None,
    official: Official, signature: Signature, at: datetime,
) -> Reentry:
    return Reentry(
        reentry_id=rid, household_id=household_id, kind=kind, reason=reason, evidence_sha256=evidence_sha256,
        previous_case_id=previous, official_id=official.official_id, person_id=official.person_id,
        role=official.role.value, key_id=signature.key_id, signature=signature.value,
        signature_sha256=signature_digest(signature), signed_at=signature.signed_at, at=at,
    )


def _record(row: Reentry, status: str) -> ReentryRecord:
    return ReentryRecord(
        reentry_id=row.reentry_id, household_id=row.household_id, kind=row.kind,  # type: ignore[arg-type]
        reason=row.reason, evidence_sha256=row.evidence_sha256, previous_case_id=row.previous_case_id,
        official_id=row.official_id, role=row.role, key_id=row.key_id, signed_at=as_utc(row.signed_at),  # type: ignore[arg-type]
        at=as_utc(row.at), status=status,  # type: ignore[arg-type]
    )
