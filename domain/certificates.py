"""Keys as certificates: the county's key administrator vouches for an official's public key.

A certificate is the administrator's Ed25519 signature over a canonical statement: which post
(official id, role, jurisdiction), held by which person, may sign with which public key, from when.
A revocation is another signed statement naming the certificate's key. Both are checked against the
administrator's root public key, which workers take from their own configuration (never from the
registry the root vouches for): write access to the registry cannot make a key valid or a revoked
key usable in a case that has seen its revocation.

The same root certifies the workers' service key, which signs the dossier chain (domain/dossier.py).
"""

import base64
import binascii
import functools
from datetime import datetime
from typing import Annotated, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field

from domain.refusals import Refusal
from domain.canonical import canonical, key_id, public_key_text

B64 = Annotated[str, Field(min_length=4, max_length=200, pattern=r"^[A-Za-z0-9+/]+={0,2}$")]
KeyId = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
Serial = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


class CertificateRefused(Refusal):
    """A certificate or revocation that does not verify against the pinned root."""


class KeyStatement(BaseModel):
    """What the administrator vouches for. `official_id` "service:<name>" certifies a worker's
    service key (the dossier's chain signer) rather than an official's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["key_certificate"] = "key_certificate"
    serial: Serial
    official_id: str = Field(min_length=1, max_length=120)
    person_id: str = Field(min_length=1, max_length=120)
    role: str = Field(min_length=1, max_length=64)
    jurisdiction_id: str = Field(min_length=1, max_length=120)
    public_key: B64
    key_id: KeyId
    valid_from: datetime
    issued_at: datetime
    issuer: KeyId  # the root key's id


class KeyCertificate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    statement: KeyStatement
    signature: B64

    @property
    def key_id(self) -> str:
        return self.statement.key_id

    @property
    def official_id(self) -> str:
        return self.statement.official_id


class RevocationStatement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["key_revocation"] = "key_revocation"
    serial: Serial  # the revoked certificate's
    key_id: KeyId
    official_id: str = Field(min_length=1, max_length=120)
    revoked_at: datetime
    reason: str = Field(min_length=1, max_length=500)
    issuer: KeyId


class KeyRevocation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    statement: RevocationStatement
    signature: B64

    @property
    def key_id(self) -> str:
        return self.statement.key_id


def strict_b64(text: str, size: int | None = None) -> bytes:
    """Decodes base64 exactly one way: padding required, no stray characters, and the text must be
    the canonical spelling of its bytes (so a re-spelled value is not a second value)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CertificateRefused("not base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise CertificateRefused("not the canonical base64 spelling of its bytes")
    if size is not None and len(raw) != size:
        raise CertificateRefused(f"expected {size} bytes, got {len(raw)}")
    return raw


def public_key_of(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(strict_b64(text, 32))


@functools.lru_cache(maxsize=8192)
def ed25519_verifies(public_key: str, message: bytes, signature: str) -> bool:
    """Whether `signature` (base64, one spelling) is `public_key`'s Ed25519 signature over `message`.
    Pure, so remembered: a case checks the same certificate with every message its holder signs, and
    a message in its update's validator and again in its handler."""
    try:
        public_key_of(public_key).verify(strict_b64(signature, 64), message)
        return True
    except (InvalidSignature, CertificateRefused, ValueError):
        return False


def verify_statement(public_key: str, statement: BaseModel, signature: str) -> bool:
    """Whether `signature` is `public_key`'s Ed25519 signature over the statement's canonical JSON."""
    return ed25519_verifies(public_key, canonical(statement.model_dump(mode="json")), signature)


def sign_statement(private_key: Ed25519PrivateKey, statement: BaseModel) -> str:
    return base64.b64encode(private_key.sign(canonical(statement.model_dump(mode="json")))).decode("ascii")


def issue_certificate(
    root: Ed25519PrivateKey, *, serial: str, official_id: str, person_id: str, role: str, jurisdiction_id: str,
    public_key: str, valid_from: datetime, issued_at: datetime,
) -> KeyCertificate:
    strict_b64(public_key, 32)
    statement = KeyStatement(
        serial=serial, official_id=official_id, person_id=person_id, role=role, jurisdiction_id=jurisdiction_id,
        public_key=public_key, key_id=key_id(public_key), valid_from=valid_from, issued_at=issued_at,
        issuer=key_id(public_key_text(root.public_key())),
    )
    return KeyCertificate(statement=statement, signature=sign_statement(root, statement))


def issue_revocation(root: Ed25519PrivateKey, cert: KeyCertificate, *, revoked_at: datetime, reason: str) -> KeyRevocation:
    statement = RevocationStatement(
        serial=cert.statement.serial, key_id=cert.key_id, official_id=cert.official_id, revoked_at=revoked_at,
        reason=reason, issuer=key_id(public_key_text(root.public_key())),
    )
    return KeyRevocation(statement=statement, signature=sign_statement(root, statement))


def check_certificate(cert: KeyCertificate, root_public_key: str) -> None:
    """The certificate was issued by the pinned root and names the key it carries."""
    s = cert.statement
    if s.issuer != key_id(root_public_key):
        raise CertificateRefused(f"the certificate of key {s.key_id} was issued by {s.issuer}, not by the pinned root {key_id(root_public_key)}")
    try:
        strict_b64(s.public_key, 32)
    except CertificateRefused as exc:
        raise CertificateRefused(f"the certified public key is malformed: {exc}") from None
    if s.key_id != key_id(s.public_key):
        raise CertificateRefused(f"key id {s.key_id} is not the fingerprint of the key it names")
    if not verify_statement(root_public_key, s, cert.signature):
        raise CertificateRefused(f"the certificate of key {s.key_id} for {s.official_id} is not signed by the pinned root")


def check_revocation(revocation: KeyRevocation, root_public_key: str) -> None:
    s = revocation.statement
    if s.issuer != key_id(root_public_key) or not verify_statement(root_public_key, s, revocation.signature):
        raise CertificateRefused(f"the revocation of key {s.key_id} is not signed by the pinned root")
