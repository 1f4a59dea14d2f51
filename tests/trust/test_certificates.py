"""Keys as certificates (domain/certificates.py): only the pinned root makes a key valid."""

import base64
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.certificates import (
    CertificateRefused,
    check_certificate,
    check_revocation,
    issue_certificate,
    issue_revocation,
    strict_b64,
)
from domain.signing import public_key_text

T0 = datetime(2017, 1, 1, tzinfo=timezone.utc)


def _cert(root: Ed25519PrivateKey, official: Ed25519PrivateKey, **over):
    fields = dict(
        serial="0" * 32, official_id="changxiao-secretary", person_id="p-1", role="township_secretary",
        jurisdiction_id="changxiao", public_key=public_key_text(official.public_key()), valid_from=T0, issued_at=T0,
    )
    fields.update(over)
    return issue_certificate(root, **fields)


def test_a_certificate_from_the_root_verifies():
    root, official = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    check_certificate(_cert(root, official), public_key_text(root.public_key()))


def test_a_certificate_from_another_root_is_refused():
    root, other, official = (Ed25519PrivateKey.generate() for _ in range(3))
    with pytest.raises(CertificateRefused, match="not by the pinned root"):
        check_certificate(_cert(other, official), public_key_text(root.public_key()))


def test_a_self_made_certificate_claiming_the_root_as_issuer_is_refused():
    """An attacker copies the root's id into the statement and signs it with their own key."""
    root, attacker = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    genuine = _cert(root, attacker)
    forged = genuine.model_copy(update={"signature": base64.b64encode(attacker.sign(b"x")).decode()})
    with pytest.raises(CertificateRefused, match="not signed by the pinned root"):
        check_certificate(forged, public_key_text(root.public_key()))


def test_swapping_the_public_key_in_a_genuine_certificate_is_refused():
    root, official, attacker = (Ed25519PrivateKey.generate() for _ in range(3))
    genuine = _cert(root, official)
    swapped = genuine.model_copy(update={"statement": genuine.statement.model_copy(
        update={"public_key": public_key_text(attacker.public_key())})})
    with pytest.raises(CertificateRefused, match="fingerprint"):
        check_certificate(swapped, public_key_text(root.public_key()))
    both = genuine.model_copy(update={"statement": swapped.statement.model_copy(
        update={"key_id": __import__("domain.signing", fromlist=["key_id"]).key_id(public_key_text(attacker.public_key()))})})
    with pytest.raises(CertificateRefused, match="not signed by the pinned root"):
        check_certificate(both, public_key_text(root.public_key()))


def test_a_revocation_verifies_only_from_the_root():
    root, other, official = (Ed25519PrivateKey.generate() for _ in range(3))
    cert = _cert(root, official)
    check_revocation(issue_revocation(root, cert, revoked_at=T0, reason="lost"), public_key_text(root.public_key()))
    with pytest.raises(CertificateRefused):
        check_revocation(issue_revocation(other, cert, revoked_at=T0, reason="lost"), public_key_text(root.public_key()))


@pytest.mark.parametrize("text", ["AAE=", "AAF=", "AAE", " AAE=", "AA E="])
def test_base64_is_read_one_way_only(text):
    """b"\\x00\\x01" is "AAE=": "AAF=" (other trailing bits), a missing pad or stray characters are refused."""
    if text == "AAE=":
        assert strict_b64(text) == b"\x00\x01"
    else:
        with pytest.raises(CertificateRefused):
            strict_b64(text)


def test_a_signature_counts_once_however_it_is_spelt():
    """The ledger keeps the digest of the signature's bytes; another spelling of the same bytes is not
    a second signature (and is refused as a spelling before that)."""
    from datetime import timedelta

    from domain.messages import DecisionCommand
    from domain.officials import Official
    from domain.roles import Role
    from domain.signature_rules import Ledger, SignatureRefused, check_signed, record_accepted
    from starters.signer import sign

    root, key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    official = Official(official_id="changxiao-secretary", person_id="p-1", name="x", role=Role.township_secretary,
                        jurisdiction_id="changxiao")
    cert = _cert(root, key)
    now = T0 + timedelta(days=1)
    cmd = sign(key, cert, "case-1", "township_review", "p1",
               DecisionCommand(stage="township_review", outcome="approve", official_id=official.official_id, meeting_ref="M"),
               signed_at=now)
    ledger = Ledger(subject_id="case-1", trust_root=public_key_text(root.public_key()))
    record_accepted(ledger, check_signed(ledger, cmd, stage="township_review", pass_id="p1", official=official, now=now))
    with pytest.raises(SignatureRefused, match="already recorded"):
        check_signed(ledger, cmd, stage="township_review", pass_id="p1", official=official, now=now)
    value = cmd.signature.value
    respelled = value[:-3] + ("B" if value[-3] == "A" else "A") + "=="
    if base64.b64decode(respelled) == base64.b64decode(value):  # the same bytes, another spelling
        with pytest.raises(Exception):
            check_signed(ledger, cmd.model_copy(update={"signature": cmd.signature.model_copy(update={"value": respelled})}),
                         stage="township_review", pass_id="p1", official=official, now=now)
    # another pass of the same stage (after a return) refuses it however it is spelt
    with pytest.raises(SignatureRefused, match="pass"):
        check_signed(Ledger(subject_id="case-1", trust_root=ledger.trust_root), cmd, stage="township_review",
                     pass_id="p2", official=official, now=now)
