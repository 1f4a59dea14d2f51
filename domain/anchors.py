"""Anchors: the workers' service key signs the order of a case's dossier entries as the case grows.

The dossier's hash chain (domain/dossier.py) shows that no entry changed relative to the chain's
head, but whoever rewrites the file can cut, drop, duplicate or reorder entries and re-chain the
rest. An anchor closes that gap: the case asks its worker to sign (case id, count, head) of the
*order chain*, a second chain over the settled form of each entry, and keeps the signed anchor.
The service key is certified by the administrator's root, so an auditor checks anchors with the
root key alone.

An entry's settled form is the part of it that no later event changes: a decision without its
`superseded` flag (a later return sets it), a notice window's opening without its close and the
registry's postings, an objection as lodged, an announcement without the registry's body. Later
entries never sort before an anchored one (their time is the workflow's later clock), so the first
`count` settled forms of the final dossier are those the anchor signed. Refused attempts are not
anchored: the case keeps only the newest of them (domain.signature_rules.REFUSED_KEPT), so the
oldest may leave the dossier honestly.

Pure: the workflow computes the head of its own entries; the activity only signs it.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field

from domain.canonical import digest
from domain.certificates import B64, CertificateRefused, KeyCertificate, check_certificate, sign_statement, verify_statement

ZERO_HEAD = "0" * 64
# A service certificate names "service:<name>" as its official (domain.certificates.KeyStatement).
SERVICE_PREFIX = "service:"

Head = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class AnchorStatement(BaseModel):
    """What the service signs: this case's first `count` settled entries chain to `head`; `final`
    marks the anchor taken when the case closed with its exit (销号), which covers every entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["dossier_anchor"] = "dossier_anchor"
    case_id: str = Field(min_length=1, max_length=200)
    count: int = Field(ge=0)
    head: Head
    final: bool = False
    at: datetime


class DossierAnchor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    statement: AnchorStatement
    signature: B64
    certificate: KeyCertificate  # the service key's certificate from the root


# -- the settled form of an entry ---------------------------------------------------------------------
_OBJECTION_AS_LODGED = ("objection_id", "window_no", "name", "reason", "contact_ref", "lodged_at")
_NOTICE_AS_OPENED = ("window_no", "stage", "opened_at", "scopes")


def settled_form(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The part of a dossier entry that no later event changes, or None for entries not anchored
    (refused attempts; announcements the registry holds but the case does not)."""
    kind, at, data = entry.get("kind"), entry.get("at"), entry.get("data")
    if not isinstance(data, dict):
        return {"kind": kind, "at": at, "data": data}
    if kind == "refused_attempt" or data.get("registry_only"):
        return None
    if kind == "decision":
        kept = {k: v for k, v in data.items() if k != "superseded"}
    elif kind == "objection":
        kept = {k: data.get(k) for k in _OBJECTION_AS_LODGED}
    elif kind == "notice":
        kept = {k: data.get(k) for k in _NOTICE_AS_OPENED}
    elif kind in ("announcement", "filing"):
        kept = {k: v for k, v in data.items() if k != "body"}
    elif kind == "registry_change":
        kept = {k: v for k, v in data.items() if k != "registry_rows"}
    else:  # opened, closed: written once
        kept = data
    return {"kind": kind, "at": at, "data": kept}


def order_positions(entries: list[Any]) -> list[int]:
    """The 1-based positions of the anchored entries, in file order."""
    return [i for i, e in enumerate(entries, 1) if isinstance(e, dict) and settled_form(e) is not None]


def order_heads(entries: list[Any]) -> list[str]:
    """heads[n] is the order chain's head over the first n anchored entries (heads[0] is all zeros)."""
    heads = [ZERO_HEAD]
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        form = settled_form(entry)
        if form is not None:
            heads.append(digest({"prev": heads[-1], "entry": form}))
    return heads


# -- signing and checking -----------------------------------------------------------------------------
def sign_anchor(key: Ed25519PrivateKey, certificate: KeyCertificate, statement: AnchorStatement) -> DossierAnchor:
    return DossierAnchor(statement=statement, signature=sign_statement(key, statement), certificate=certificate)


def check_anchor(anchor: DossierAnchor, root_public_key: str) -> None:
    """The anchor was signed by a service key the root certified; else CertificateRefused."""
    check_certificate(anchor.certificate, root_public_key)
    if not anchor.certificate.official_id.startswith(SERVICE_PREFIX):
        raise CertificateRefused(
            f"the anchor's key {anchor.certificate.key_id} is certified for {anchor.certificate.official_id}, "
            "not for a tuopin service"
        )
    if not verify_statement(anchor.certificate.statement.public_key, anchor.statement, anchor.signature):
        raise CertificateRefused(f"the anchor is not signed by the service key {anchor.certificate.key_id} it names")
