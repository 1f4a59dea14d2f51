"""Officials' keys in the registry: the administrator's certificates and revocations, stored and read.

The registry keeps the signed statements; it does not make them. Writing here cannot make a key
valid: a case accepts a key only by its certificate's chain to the root pinned in the worker's
configuration (domain/certificates.py, workers/trust.py).
"""

from typing import Any

from sqlalchemy import select

from activities.registry.schema import OfficialKey, OfficialPost
from activities.registry.store import RegistryStore, active_officials, as_utc, official_of
from domain.certificates import KeyCertificate, KeyRevocation
from domain.officials import Official, Roster
from domain.refusals import Refusal, UnknownOfficial


class KeyRefused(Refusal):
    pass


def post_of(store: RegistryStore, official_id: str) -> Official:
    """The post a certificate is issued for, as the registry lists it now."""
    with store.session() as s:
        row = s.get(OfficialPost, official_id)
        if row is None:
            raise UnknownOfficial(f"no official {official_id!r} in the registry")
        if not row.active:
            raise KeyRefused(f"official {official_id} is not an active post")
        return official_of(row)


def register_certificate(store: RegistryStore, cert: KeyCertificate, by: str) -> KeyCertificate:
    """Keeps a certificate the administrator issued. Idempotent for the same certificate; a key already
    certified to someone else, or a certificate that does not name the post as the registry lists it,
    is refused."""
    s_ = cert.statement
    with store.session() as s:
        post = s.get(OfficialPost, s_.official_id)
        if post is None:
            raise UnknownOfficial(f"no official {s_.official_id!r} in the registry")
        if (post.person_id, post.role, post.jurisdiction_id) != (s_.person_id, s_.role, s_.jurisdiction_id):
            raise KeyRefused(
                f"the certificate names {s_.person_id} as {s_.role}@{s_.jurisdiction_id}; the registry lists "
                f"{post.person_id} as {post.role}@{post.jurisdiction_id}"
            )
        existing = s.get(OfficialKey, s_.key_id)
        if existing is not None:
            if existing.official_id != s_.official_id:
                raise KeyRefused(f"key {s_.key_id} is already certified to {existing.official_id}")
            existing.certificate = cert.model_dump_json()
            return cert
        s.add(OfficialKey(
            key_id=s_.key_id, official_id=s_.official_id, public_key=s_.public_key, registered_at=s_.issued_at,
            registered_by=by, certificate=cert.model_dump_json(),
        ))
        return cert


def certificate_of(store: RegistryStore, key: str) -> KeyCertificate:
    with store.session() as s:
        row = s.get(OfficialKey, key)
        if row is None or row.certificate is None:
            raise KeyRefused(f"no key {key} in the registry (or it has no certificate)")
        return KeyCertificate.model_validate_json(row.certificate)


def record_revocation(store: RegistryStore, revocation: KeyRevocation, by: str) -> KeyRevocation:
    """Keeps a revocation the administrator signed; the first one of a key stands."""
    st = revocation.statement
    with store.session() as s:
        row = s.get(OfficialKey, st.key_id)
        if row is None:
            raise KeyRefused(f"no key {st.key_id} in the registry")
        if row.revocation is not None:
            return KeyRevocation.model_validate_json(row.revocation)
        row.revoked_at, row.revoked_by, row.revoke_reason = st.revoked_at, by, st.reason
        row.revocation = revocation.model_dump_json()
        return revocation


def keys_of(store: RegistryStore, official_id: str) -> list[dict[str, Any]]:
    """An official's keys for the administrator's listing: id, dates, key."""
    with store.session() as s:
        rows = s.scalars(select(OfficialKey).where(OfficialKey.official_id == official_id).order_by(OfficialKey.registered_at))
        return [
            {"key_id": r.key_id, "registered_at": as_utc(r.registered_at), "revoked_at": as_utc(r.revoked_at),
             "public_key": r.public_key, "certified": r.certificate is not None}
            for r in rows
        ]


def signers_of(store: RegistryStore, jurisdiction_ids: list[str]) -> tuple[Roster, list[KeyRevocation]]:
    """The active officials of these jurisdictions and the revocations of their keys, read in one
    transaction. Read as plain rows: every stage of every case asks this."""
    keys = OfficialKey.__table__
    with store.session() as s:
        officials = active_officials(s, jurisdiction_ids)
        if not officials:
            return Roster(), []
        rows = s.execute(
            select(keys.c.revocation)
            .where(keys.c.official_id.in_([o.official_id for o in officials]), keys.c.revocation.is_not(None))
            .order_by(keys.c.key_id)
        )
        return Roster(officials=officials), [KeyRevocation.model_validate_json(r.revocation) for r in rows]


def revocations_by_id(store: RegistryStore, key_ids: list[str]) -> list[KeyRevocation]:
    with store.session() as s:
        rows = s.scalars(select(OfficialKey).where(OfficialKey.key_id.in_(key_ids), OfficialKey.revocation.is_not(None)))
        return [KeyRevocation.model_validate_json(r.revocation) for r in rows]
