"""Officials' public keys in the registry: register, revoke, look up."""

from datetime import datetime
from typing import Any

from sqlalchemy import select

from activities.registry.schema import OfficialKey, OfficialPost
from activities.registry.store import RegistryStore, active_officials, as_utc
from domain.officials import Roster
from domain.refusals import Refusal, UnknownOfficial
from domain.signature_rules import KeyInfo
from domain.signing import key_id as fingerprint


class KeyRefused(Refusal):
    pass


def register_key(store: RegistryStore, official_id: str, public_key: str, by: str, at: datetime) -> KeyInfo:
    import base64
    import binascii

    try:
        raw = base64.b64decode(public_key, validate=True)
    except (binascii.Error, ValueError):
        raise KeyRefused("the public key is not base64") from None
    if len(raw) != 32:
        raise KeyRefused(f"an Ed25519 public key has 32 bytes, not {len(raw)}")
    kid = fingerprint(public_key)
    with store.session() as s:
        if s.get(OfficialPost, official_id) is None:
            raise UnknownOfficial(f"no official {official_id!r} in the registry")
        existing = s.get(OfficialKey, kid)
        if existing is not None:
            if existing.official_id != official_id:
                raise KeyRefused(f"key {kid} is already registered to {existing.official_id}")
            return _info(existing)
        row = OfficialKey(key_id=kid, official_id=official_id, public_key=public_key, registered_at=at, registered_by=by)
        s.add(row)
        s.flush()
        return _info(row)


def revoke_key(store: RegistryStore, kid: str, by: str, reason: str, at: datetime) -> KeyInfo:
    with store.session() as s:
        row = s.get(OfficialKey, kid)
        if row is None:
            raise KeyRefused(f"no key {kid} in the registry")
        if row.revoked_at is None:
            row.revoked_at, row.revoked_by, row.revoke_reason = at, by, reason
        return _info(row)


def keys_of(store: RegistryStore, official_id: str) -> list[KeyInfo]:
    with store.session() as s:
        rows = s.scalars(select(OfficialKey).where(OfficialKey.official_id == official_id).order_by(OfficialKey.registered_at))
        return [_info(row) for row in rows]


def signers_of(store: RegistryStore, jurisdiction_ids: list[str]) -> tuple[Roster, list[KeyInfo]]:
    """The active officials of these jurisdictions and all their keys, read in one transaction (so the
    two agree). Read as plain rows, not ORM objects: every stage of every case asks this."""
    keys = OfficialKey.__table__
    with store.session() as s:
        officials = active_officials(s, jurisdiction_ids)
        if not officials:
            return Roster(), []
        rows = s.execute(
            select(keys.c.key_id, keys.c.official_id, keys.c.public_key, keys.c.registered_at, keys.c.revoked_at)
            .where(keys.c.official_id.in_([o.official_id for o in officials]))
            .order_by(keys.c.registered_at, keys.c.key_id)
        )
        return Roster(officials=officials), [_info(r) for r in rows]


def keys_by_id(store: RegistryStore, key_ids: list[str]) -> list[KeyInfo]:
    with store.session() as s:
        return [_info(row) for row in s.scalars(select(OfficialKey).where(OfficialKey.key_id.in_(key_ids)))]


def _info(row: Any) -> KeyInfo:
    """A key as the cases see it, from an ORM object or a plain row of `official_keys`."""
    return KeyInfo(
        key_id=row.key_id, official_id=row.official_id, public_key=row.public_key,
        registered_at=as_utc(row.registered_at), revoked_at=as_utc(row.revoked_at),
    )
