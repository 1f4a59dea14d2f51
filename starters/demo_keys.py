"""Key pairs for the demo officials, so `make run` can sign at once. Demo only: a real official
creates a key with `tuopin keys new`, an administrator registers the public half and hands the
official their identity file."""

from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from activities.registry.keys import register_key
from activities.registry.schema import OfficialKey, OfficialPost
from activities.registry.store import RegistryStore, official_of
from domain.signing import public_key_text
from starters.signer import identity_path, write_identity, write_private_key

DEMO_REGISTRAR = "demo seed (synthetic officials)"


def create_demo_keys(store: RegistryStore, keys_dir: Path) -> int:
    """One key for every official who has none registered, and beside every demo key the official's
    identity file (`load_signer` reads it); returns how many keys were made."""
    with store.session() as s:
        keyed = set(s.scalars(select(OfficialKey.official_id)))
        posts = {row.id: official_of(row) for row in s.scalars(select(OfficialPost).order_by(OfficialPost.id))}
    missing = [o for o in posts if o not in keyed]
    now = datetime.now(timezone.utc)
    for official_id in missing:
        key = Ed25519PrivateKey.generate()
        write_private_key(keys_dir / f"{official_id}.pem", key, overwrite=True)
        register_key(store, official_id, public_key_text(key.public_key()), DEMO_REGISTRAR, now)
    for official_id, official in posts.items():
        pem = keys_dir / f"{official_id}.pem"
        if pem.exists() and not identity_path(pem).exists():
            write_identity(pem, official)
    return len(missing)
