"""签字确认 against someone who can reach the Temporal frontend: only a key certified by the pinned root
for the official's post may sign, for this case, stage and pass, lately, once. Every refusal comes
from the update's validator: the case is unchanged, and on a real server (the dev server) its history
does not grow."""

import base64
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import update

from activities.registry.keys import certificate_of, record_revocation
from activities.registry.schema import OfficialKey
from domain.certificates import issue_certificate, issue_revocation
from domain.messages import DecisionCommand
from domain.signing import Signature, public_key_text, sign_content
from starters.signer import (
    certificate_path,
    certified_official,
    load_certificate,
    load_private_key,
    write_private_key,
)
from starters.trust_setup import admin_key, certify
from tests.support import small_registry
from tests.support.driver import TH, TS, VD, WT, refused


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _approve(official: str, stage: str = "verification", **kw) -> DecisionCommand:
    return DecisionCommand(stage=stage, outcome="approve", official_id=official, **kw)


async def _signed(driver, official: str, cmd: DecisionCommand, *, key=None, cert=None, case_id=None, pass_id=None,
                  at=None) -> DecisionCommand:
    """Signed as the CLI signs, or, with a key and a certificate that do not belong together, as an
    attacker would (the CLI's signer refuses to)."""
    state = await driver.state()
    key = key or load_private_key(driver.settings, official)
    cert = cert or load_certificate(driver.settings, official)
    subject, pass_id, at = case_id or driver.case_id, pass_id or state.pass_id, at or await driver.env.get_current_time()
    content = cmd.signed_content(subject_id=subject, stage=cmd.stage, pass_id=pass_id, official=certified_official(cert),
                                 key=cert.key_id, signed_at=at)
    signature = Signature(certificate=cert, signed_at=at, case_id=subject, stage=cmd.stage, pass_id=pass_id,
                          value=sign_content(key, content))
    return cmd.model_copy(update={"signature": signature})


async def _events(driver) -> int:
    return len((await driver.client.get_workflow_handle(driver.case_id).fetch_history()).events)


async def _refused_unchanged(driver, cmd, words: str, update: str = "decide") -> None:
    dev_server = not driver.env.supports_time_skipping
    before, events = await driver.state(), await _events(driver) if dev_server else None
    reason = await refused(driver.raw_update(update, cmd))
    assert words in reason, reason
    after = await driver.state()
    assert (after.decisions, after.stage, after.revoked_keys) == (before.decisions, before.stage, before.revoked_keys)
    if dev_server:
        assert await _events(driver) == events, "a refused message reached the case's history"


def _root(driver):
    return admin_key(small_registry.trust_dir(driver.settings.keys_dir))


def _new_key_for(driver, official: str) -> None:
    """What an official and the administrator do after a revocation: a new key, certified."""
    fresh = Ed25519PrivateKey.generate()
    path = driver.settings.keys_dir / f"{official}.pem"
    write_private_key(path, fresh, overwrite=True)
    cert = certify(driver.store, _root(driver), official, public_key_text(fresh.public_key()), "county admin")
    certificate_path(path).write_text(cert.model_dump_json(), encoding="utf-8")


def _revoke(driver, official: str) -> object:
    cert = load_certificate(driver.settings, official)
    return record_revocation(driver.store, issue_revocation(
        _root(driver), certificate_of(driver.store, cert.key_id), revoked_at=datetime.now(timezone.utc) - timedelta(days=30),
        reason="laptop lost"), "county admin")


async def test_unsigned_foreign_self_certified_and_altered_messages_are_refused(dev_driver, household):
    driver = dev_driver
    await driver.open(household)
    await _refused_unchanged(driver, _approve(VD), "not signed")
    # the work team's own (valid) key and certificate cannot sign for the village director
    await _refused_unchanged(driver, await _signed(driver, VD, _approve(VD), key=load_private_key(driver.settings, WT),
                                                   cert=load_certificate(driver.settings, WT)), f"certified for {WT}")
    # an attacker's key with a certificate of their own making, naming the director and the real root's id
    attacker, fake_root = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    genuine = load_certificate(driver.settings, VD)
    made = issue_certificate(
        fake_root, serial="1" * 32, official_id=VD, person_id=genuine.statement.person_id, role=genuine.statement.role,
        jurisdiction_id=genuine.statement.jurisdiction_id, public_key=public_key_text(attacker.public_key()),
        valid_from=genuine.statement.valid_from, issued_at=genuine.statement.issued_at,
    )
    forged = made.model_copy(update={"statement": made.statement.model_copy(update={"issuer": genuine.statement.issuer})})
    await _refused_unchanged(driver, await _signed(driver, VD, _approve(VD), key=attacker, cert=forged), "not certified")
    # the director's genuine certificate with the attacker's key swapped in
    swapped = genuine.model_copy(update={"statement": genuine.statement.model_copy(
        update={"public_key": public_key_text(attacker.public_key())})})
    await _refused_unchanged(driver, await _signed(driver, VD, _approve(VD), key=attacker, cert=swapped), "not certified")
    # content changed after signing
    signed = await _signed(driver, VD, _approve(VD, note="核实无误"))
    await _refused_unchanged(driver, signed.model_copy(update={"note": "核实有误"}), "does not match")
    # a signature from an hour ago (captured and held back)
    stale = await _signed(driver, VD, _approve(VD), at=await driver.env.get_current_time() - timedelta(hours=1))
    await _refused_unchanged(driver, stale, "not within")
    # after all that, the real thing goes through
    await driver.raw_update("decide", await _signed(driver, VD, _approve(VD)))
    assert (await driver.state()).decisions[-1].official_id == VD


async def test_write_access_to_the_registry_alone_cannot_make_a_key_valid(dev_driver, household):
    driver = dev_driver
    """An insider with the registry's credentials puts their own key on the director's post."""
    await driver.open(household)
    attacker = Ed25519PrivateKey.generate()
    genuine = load_certificate(driver.settings, VD)
    with driver.store.session() as s:
        s.execute(update(OfficialKey).where(OfficialKey.key_id == genuine.key_id).values(
            public_key=public_key_text(attacker.public_key())))
    try:
        await _refused_unchanged(driver, await _signed(driver, VD, _approve(VD), key=attacker), "does not match")
    finally:
        with driver.store.session() as s:
            s.execute(update(OfficialKey).where(OfficialKey.key_id == genuine.key_id).values(
                public_key=genuine.statement.public_key))


async def test_a_message_sent_again_is_refused_as_sent_or_re_spelled_before_and_after_a_return(driver, household):
    await driver.open(household)
    await driver.verify(household)
    await driver.pass_notice()
    meeting = "长校镇党委会议纪要〔2017〕9号"
    approval = await _signed(driver, TS, _approve(TS, stage="township_review", meeting_ref=meeting))
    await driver.raw_update("decide", approval)
    # the same bytes again, and the same signature spelt differently (other trailing bits in base64)
    await _refused_unchanged(driver, approval, "already")
    # the last character before "==" carries two spare bits: another character of its group of four
    # spells the same bytes
    value = approval.signature.value
    index = ALPHABET.index(value[-3])
    respelled_value = value[:-3] + ALPHABET[(index & ~3) | ((index + 1) & 3)] + "=="
    assert base64.b64decode(respelled_value) == base64.b64decode(value) and respelled_value != value
    respelled = approval.model_copy(update={"signature": approval.signature.model_copy(update={"value": respelled_value})})
    await _refused_unchanged(driver, respelled, "already")
    # the head returns the case to the notice; every later stage runs again, in a new pass
    back = await _signed(driver, TH, DecisionCommand(stage="township_review", outcome="return", official_id=TH,
                                                      to_stage="notice", note="公示照片不清", meeting_ref=meeting))
    await driver.raw_update("decide", back)
    await driver.pass_notice()
    await _refused_unchanged(driver, approval, "pass")
    await _refused_unchanged(driver, back, "pass")
    # signed anew for the new pass, it counts
    await driver.raw_update("decide", await _signed(driver, TS, _approve(TS, stage="township_review", meeting_ref=meeting)))
    assert (await driver.state()).decisions[-1].official_id == TS


async def test_a_flood_of_junk_costs_the_case_nothing(dev_driver, household):
    driver = dev_driver
    await driver.open(household)
    junk = await _signed(driver, VD, _approve(VD), key=Ed25519PrivateKey.generate())
    events = await _events(driver)
    for _ in range(200):
        await refused(driver.raw_update("decide", junk))
    assert await _events(driver) == events
    await driver.verify(household)  # and the case goes on


async def test_a_revocation_message_carries_a_signed_revocation_and_nothing_else(driver, household):
    await driver.open(household)
    handle = driver.client.get_workflow_handle(driver.case_id)
    cert = load_certificate(driver.settings, WT)
    # signed by someone other than the root: refused, nothing recorded
    fake = issue_revocation(Ed25519PrivateKey.generate(), cert, revoked_at=datetime.now(timezone.utc), reason="x")
    fake = fake.model_copy(update={"statement": fake.statement.model_copy(update={"issuer": cert.statement.issuer})})
    await _refused_unchanged(driver, fake, "not signed by the pinned root", update="key_revoked")
    # a key-shaped message (what the old signal took) is not a revocation at all
    assert await refused(handle.execute_update("key_revoked", {"key_id": cert.key_id, "official_id": WT,
                                                               "public_key": cert.statement.public_key}))
    # the real one: the work team's key is refused from then on, in this open case
    revocation = _revoke(driver, WT)
    await handle.execute_update("key_revoked", revocation)
    await _refused_unchanged(driver, revocation, "known revoked", update="key_revoked")
    try:
        await _refused_unchanged(driver, await _signed(driver, WT, _approve(WT)), "revoked")
    finally:
        _new_key_for(driver, WT)
    await driver.decide("verification", WT)
    assert (await driver.state()).decisions[-1].official_id == WT


async def test_a_key_revoked_in_the_registry_alone_is_refused_from_the_next_stage(driver, household):
    """Should the open cases not be told, the next stage reads the revocations afresh."""
    await driver.open(household)
    old_key, old_cert = load_private_key(driver.settings, TS), load_certificate(driver.settings, TS)
    _revoke(driver, TS)
    try:
        await driver.verify(household)
        await driver.pass_notice()
        meeting = "长校镇党委会议纪要〔2017〕9号"
        await _refused_unchanged(driver, await _signed(
            driver, TS, _approve(TS, stage="township_review", meeting_ref=meeting), key=old_key, cert=old_cert), "revoked")
    finally:
        _new_key_for(driver, TS)
    await driver.decide("township_review", TS, meeting_ref="长校镇党委会议纪要〔2017〕9号")
    assert (await driver.state()).decisions[-1].official_id == TS


async def test_an_opening_with_a_bad_signature_leaves_no_open_case(driver, household):
    from tests.support.driver import appraisal

    attacker, cert = Ed25519PrivateKey.generate(), load_certificate(driver.settings, "changxiao-hepai-secretary")
    case_id, at = f"household-exit/{household}/2017", await driver.env.get_current_time()
    first = appraisal()
    content = first.signed_content(subject_id=case_id, stage="appraisal", pass_id="opening",
                                   official=certified_official(cert), key=cert.key_id, signed_at=at)
    forged = first.model_copy(update={"signature": Signature(
        certificate=cert, signed_at=at, case_id=case_id, stage="appraisal", pass_id="opening",
        value=sign_content(attacker, content))})
    reason = await refused(driver.open(household, first=forged))
    assert "does not match" in reason, reason
    # the refused opening failed its run: the unit is free, and the genuine opening goes through
    assert (await driver.open(household)).status == "open"
