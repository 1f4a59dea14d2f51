"""Key pairs for the demo officials, so `make run` can sign at once. Demo only: a real official
creates a key with `tuopin keys new` and an administrator registers the public half."""

from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from activities.registry.keys import register_key
from activities.registry.schema import OfficialKey, OfficialPost
from activities.registry.store import RegistryStore
from domain.signing import public_key_text
from starters.signer import write_private_key

DEMO_REGISTRAR = "demo seed (synthetic officials)"


def create_demo_keys(store: RegistryStore, keys_dir: Path) -> int:
    """One key for every official who has none registered; returns how many were made."""
    with store.session() as s:
        keyed = set(s.scalars(select(OfficialKey.official_id)))
        missing = [o for o in s.scalars(select(OfficialPost.id).order_by(OfficialPost.id)) if o not in keyed]
    now = datetime.now(timezone.utc)
    for official_id in missing:
        key = Ed25519PrivateKey.generate()
        write_private_key(keys_dir / f"{official_id}.pem", key, overwrite=True)
        register_key(store, official_id, public_key_text(key.public_key()), DEMO_REGISTRAR, now)
    return len(missing)
