"""The key administrator's side of certificates: the root key, the workers' service key, and issuing
certificates and revocations for officials' keys.

The embedded demo keeps the root's private key in the trust folder (`<home>/trust/admin.pem`) so that
`make run` needs no setup; a real county keeps it offline and passes `--admin-key FILE` to the
administrator's commands. Workers only ever read the root's public key (workers/trust.py).
"""

import secrets
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from activities.registry.keys import post_of, register_certificate
from activities.registry.store import RegistryStore
from domain.certificates import KeyCertificate, issue_certificate
from domain.signing import public_key_text
from starters.errors import BadUsage
from starters.signer import write_private_key
from workers.trust import (
    ADMIN_KEY_FILE,
    ROOT_FILE,
    SERVICE_CERT_FILE,
    SERVICE_KEY_FILE,
    TrustConfigError,
    read_private_key,
)

SERVICE_ID = "service:tuopin-worker"


def ensure_trust(folder: Path, county_id: str) -> bool:
    """Creates a root and a certified service key in `folder` if it has no root yet; True if it did."""
    if (folder / ROOT_FILE).exists():
        return False
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    root = Ed25519PrivateKey.generate()
    write_private_key(folder / ADMIN_KEY_FILE, root, overwrite=True)
    service = Ed25519PrivateKey.generate()
    write_private_key(folder / SERVICE_KEY_FILE, service, overwrite=True)
    now = datetime.now(timezone.utc)
    cert = issue_certificate(
        root, serial=secrets.token_hex(16), official_id=SERVICE_ID, person_id=SERVICE_ID, role="service",
        jurisdiction_id=county_id, public_key=public_key_text(service.public_key()), valid_from=now, issued_at=now,
    )
    (folder / SERVICE_CERT_FILE).write_text(cert.model_dump_json(indent=2) + "\n", encoding="utf-8")
    # the root's public key last: its presence says the folder is complete
    (folder / ROOT_FILE).write_text(public_key_text(root.public_key()) + "\n", encoding="ascii")
    return True


def admin_key(trust_dir: Path, admin_key_file: Path | None = None) -> Ed25519PrivateKey:
    """The root's private key: the file given, else the demo's copy in the trust folder."""
    path = admin_key_file or trust_dir / ADMIN_KEY_FILE
    try:
        return read_private_key(path)
    except TrustConfigError as exc:
        raise BadUsage(f"the administrator's root key is needed (--admin-key FILE): {exc}") from None


def certify(store: RegistryStore, root: Ed25519PrivateKey, official_id: str, public_key: str, by: str) -> KeyCertificate:
    """Issues a certificate for the official's key, for the post as the registry lists it, and keeps it."""
    post = post_of(store, official_id)
    now = datetime.now(timezone.utc)
    cert = issue_certificate(
        root, serial=secrets.token_hex(16), official_id=official_id, person_id=post.person_id, role=post.role.value,
        jurisdiction_id=post.jurisdiction_id, public_key=public_key, valid_from=now, issued_at=now,
    )
    return register_certificate(store, cert, by)
