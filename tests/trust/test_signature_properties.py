"""Property: whatever an attacker does to a signed message (its signature re-spelled or flipped, its
certificate edited, its claims re-addressed, its time moved), the one signature check refuses it with
SignatureRefused: never accepts it, never fails in another way (which in a workflow would fail the
task instead of refusing the message)."""

import base64
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.certificates import issue_certificate
from domain.messages import DecisionCommand
from domain.officials import Official
from domain.roles import Role
from domain.signature_rules import Ledger, SignatureRefused, check_signed, record_accepted
from domain.signing import public_key_text
from starters.signer import sign

NOW = datetime(2017, 6, 1, 9, tzinfo=timezone.utc)
ROOT, KEY = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
OFFICIAL = Official(official_id="changxiao-secretary", person_id="p-1", name="甲", role=Role.township_secretary,
                    jurisdiction_id="changxiao")
CERT = issue_certificate(ROOT, serial="0" * 32, official_id=OFFICIAL.official_id, person_id="p-1",
                         role="township_secretary", jurisdiction_id="changxiao",
                         public_key=public_key_text(KEY.public_key()), valid_from=NOW - timedelta(days=1),
                         issued_at=NOW - timedelta(days=1))
CASE, STAGE, PASS = "household-exit/changxiao-hepai-h001/2017", "township_review", "pass-7"
GOOD = sign(KEY, CERT, CASE, STAGE, PASS, DecisionCommand(stage=STAGE, outcome="approve", official_id=OFFICIAL.official_id,
                                                           meeting_ref="长校镇党委会议〔2017〕9号"), signed_at=NOW)


def _ledger() -> Ledger:
    return Ledger(subject_id=CASE, trust_root=public_key_text(ROOT.public_key()))


def _mutations():
    sig = GOOD.signature
    raw = base64.b64decode(sig.value)
    text = st.text(min_size=1, max_size=40)
    return st.one_of(
        # the signature's bytes flipped, or the same bytes spelt otherwise (the last character's spare bits)
        st.integers(0, 63).map(lambda i: {"value": base64.b64encode(raw[:i] + bytes([raw[i] ^ 1]) + raw[i + 1:]).decode()}),
        st.sampled_from("BCDEFGHIJKLMNOP").map(lambda c: {"value": sig.value[:-3] + c + "=="}),
        st.sampled_from([sig.value + "\n", " " + sig.value, sig.value.rstrip("=")]).map(lambda v: {"value": v}),
        text.map(lambda t: {"case_id": t}), text.map(lambda t: {"stage": t}), text.map(lambda t: {"pass_id": t}),
        st.integers(-10**6, 10**6).filter(lambda s: s != 0).map(lambda s: {"signed_at": NOW + timedelta(seconds=s)}),
        text.map(lambda t: {"certificate": CERT.model_copy(update={"statement": CERT.statement.model_copy(
            update={"official_id": t})})}),
        text.map(lambda t: {"certificate": CERT.model_copy(update={"statement": CERT.statement.model_copy(
            update={"person_id": t})})}),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(change=_mutations(), note=st.one_of(st.none(), st.text(max_size=20)))
def test_no_change_to_a_signed_message_is_accepted(change, note):
    signature = GOOD.signature.model_copy(update=change)
    message = GOOD.model_copy(update={"signature": signature, **({"note": note} if note else {})})
    try:
        check_signed(_ledger(), message, stage=STAGE, pass_id=PASS, official=OFFICIAL, now=NOW)
    except SignatureRefused:
        return
    raise AssertionError(f"accepted a changed message: {change}, note={note!r}")


def test_the_unchanged_message_is_accepted_once():
    ledger = _ledger()
    record_accepted(ledger, check_signed(ledger, GOOD, stage=STAGE, pass_id=PASS, official=OFFICIAL, now=NOW))
    try:
        check_signed(ledger, GOOD, stage=STAGE, pass_id=PASS, official=OFFICIAL, now=NOW)
    except SignatureRefused as exc:
        assert "already recorded" in str(exc)
    else:
        raise AssertionError("accepted twice")
