"""Key pairs for the demo officials, so `make run` can sign at once. Demo only: a real official
creates a key with `tuopin keys new` and an administrator registers the public half."""

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from activities.registry.schema import OfficialKey, OfficialPost
from activities.registry.store import RegistryStore
from domain.signing import public_key_text
from starters.signer import certificate_path, write_private_key
from starters.trust_setup import certify

DEMO_REGISTRAR = "demo seed (synthetic officials)"


def create_demo_keys(store: RegistryStore, keys_dir: Path, root: Ed25519PrivateKey) -> int:
    """One key for every official who has none registered, certified by the demo root, with its
    certificate beside the private key; returns how many were made."""
    with store.session() as s:
        keyed = set(s.scalars(select(OfficialKey.official_id)))
        missing = [o for o in s.scalars(select(OfficialPost.id).order_by(OfficialPost.id)) if o not in keyed]
    for official_id in missing:
        key = Ed25519PrivateKey.generate()
        path = keys_dir / f"{official_id}.pem"
        write_private_key(path, key, overwrite=True)
        cert = certify(store, root, official_id, public_key_text(key.public_key()), DEMO_REGISTRAR)
        certificate_path(path).write_text(cert.model_dump_json() + "\n", encoding="utf-8")
    return len(missing)
