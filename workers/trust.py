"""What a worker trusts and what it signs with, from its own configuration (never from the registry).

A trust folder (`Settings.trust_dir`, default `<home>/trust`) holds:
- `admin-root.pub`: the county key administrator's root public key (base64, raw Ed25519). Every
  official's key certificate and revocation, and the service certificate, must chain to it.
- `service.pem` and `service.cert.json`: the workers' service key, which signs the dossier chain
  as a case grows, and its certificate from the root.
- `admin.pem`: the root's private key. Only the embedded demo keeps it here (the administrator's
  commands use it); a real administrator keeps it offline and passes `--admin-key FILE`.
"""

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.certificates import CertificateRefused, KeyCertificate, check_certificate, strict_b64

ROOT_FILE = "admin-root.pub"
ADMIN_KEY_FILE = "admin.pem"
SERVICE_KEY_FILE = "service.pem"
SERVICE_CERT_FILE = "service.cert.json"


class TrustConfigError(Exception):
    """The trust folder is missing what a worker needs, or its files do not agree."""


@dataclass(frozen=True)
class WorkerTrust:
    root_public_key: str
    service_key: Ed25519PrivateKey
    service_certificate: KeyCertificate


def read_root(folder: Path) -> str:
    path = folder / ROOT_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise TrustConfigError(
            f"no administrator root key at {path}: a worker accepts only keys certified by the pinned root "
            "(`tuopin registry seed` makes a demo root; a real county installs its administrator's public key there)"
        ) from None
    try:
        strict_b64(text, 32)
    except CertificateRefused as exc:
        raise TrustConfigError(f"{path} is not a base64 Ed25519 public key: {exc}") from None
    return text


def read_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise TrustConfigError(f"missing {path}") from None
    except (ValueError, TypeError) as exc:
        raise TrustConfigError(f"{path} is not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise TrustConfigError(f"{path} is not an Ed25519 key")
    return key


def load_trust(folder: Path) -> WorkerTrust:
    """The root, and the service key with a certificate from that root for that key."""
    root = read_root(folder)
    key = read_private_key(folder / SERVICE_KEY_FILE)
    try:
        cert = KeyCertificate.model_validate_json((folder / SERVICE_CERT_FILE).read_text(encoding="utf-8"))
        check_certificate(cert, root)
    except FileNotFoundError:
        raise TrustConfigError(f"missing {folder / SERVICE_CERT_FILE}") from None
    except (ValueError, CertificateRefused) as exc:
        raise TrustConfigError(f"the service certificate in {folder} is refused: {exc}") from None
    from domain.signing import public_key_text

    if cert.statement.public_key != public_key_text(key.public_key()):
        raise TrustConfigError(f"the service certificate in {folder} is for another key than {SERVICE_KEY_FILE}")
    return WorkerTrust(root_public_key=root, service_key=key, service_certificate=cert)
