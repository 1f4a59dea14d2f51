"""签字确认: only the official's own, registered, unrevoked key may sign; refusals are kept as audit."""

from datetime import datetime, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from activities.registry.keys import keys_of, register_key, revoke_key
from domain.messages import DecisionCommand
from starters.signer import load_private_key, sign
from tests.support.driver import TH, TS, VD, WT, refused


def _signed(driver, official: str, cmd: DecisionCommand, key=None, case_id: str | None = None) -> DecisionCommand:
    key = key or load_private_key(driver.settings, official)
    return sign(key, case_id or driver.case_id, cmd.stage, driver.store.official(official), cmd)


def _approve(official: str, stage: str = "verification", **kw) -> DecisionCommand:
    return DecisionCommand(stage=stage, outcome="approve", official_id=official, **kw)


async def _refused_and_audited(driver, cmd: DecisionCommand, words: str) -> None:
    before = await driver.state()
    reason = await refused(driver.raw_update("decide", cmd))
    assert "SignatureRefused" in reason and words in reason, reason
    after = await driver.state()
    assert after.decisions == before.decisions and after.stage == before.stage, "a refused signature changed the case"
    attempt = after.refused_attempts[-1]
    assert len(after.refused_attempts) == len(before.refused_attempts) + 1
    assert (attempt.official_id, attempt.kind, attempt.stage) == (cmd.official_id, "decision", cmd.stage)
    assert words in attempt.reason


async def test_unsigned_forged_and_borrowed_keys_are_refused_and_kept(driver, household):
    await driver.open(household)
    await _refused_and_audited(driver, _approve(VD), "not signed")
    await _refused_and_audited(driver, _signed(driver, VD, _approve(VD), key=Ed25519PrivateKey.generate()), "not registered")
    # the work team's own key cannot sign for the village director
    await _refused_and_audited(driver, _signed(driver, VD, _approve(VD), key=load_private_key(driver.settings, WT)), "not registered")
    # content changed after signing
    altered = _signed(driver, VD, _approve(VD, note="核实无误")).model_copy(update={"note": "核实有误"})
    await _refused_and_audited(driver, altered, "does not match")
    # after all that, the real thing goes through
    await driver.raw_update("decide", _signed(driver, VD, _approve(VD)))
    state = await driver.state()
    assert state.decisions[-1].official_id == VD and state.decisions[-1].signature is not None
    assert len(state.refused_attempts) == 4


async def test_replays_onto_another_case_stage_or_twice_are_refused(driver, household, second_household):
    first = await driver.open(second_household)
    other_case = first.case_id
    await driver.open(household)
    # a decision signed for the other case cannot be replayed here
    foreign = _signed(driver, VD, _approve(VD), case_id=other_case)
    await _refused_and_audited(driver, foreign, f"made for case {other_case}")
    # nor a signature made for another stage
    staged = _signed(driver, VD, _approve(VD))
    wrong_stage = staged.model_copy(update={"signature": staged.signature.model_copy(update={"stage": "township_review"})})
    await _refused_and_audited(driver, wrong_stage, "made for stage")
    # a signed return, sent again when the case is back at the same stage, counts only once
    await driver.verify(household)
    await driver.pass_notice()
    back = _signed(driver, TH, DecisionCommand(stage="township_review", outcome="return", official_id=TH,
                                                 to_stage="notice", note="公示照片不清"), case_id=driver.case_id)
    await driver.raw_update("decide", back)
    await driver.pass_notice()
    await _refused_and_audited(driver, back, "already recorded")


async def test_a_revoked_key_is_refused_from_the_moment_of_revocation(driver, household):
    await driver.open(household)
    (key,) = [k for k in keys_of(driver.store, WT) if k.revoked_at is None][:1]
    # what `tuopin officials revoke` does: the registry, then a signal to every open case (the
    # stage read the work team's keys when it began)
    revoked = revoke_key(driver.store, key.key_id, "county admin", "laptop lost", datetime.now(timezone.utc))
    await driver.client.get_workflow_handle(driver.case_id).signal("key_revoked", revoked)
    try:
        await _refused_and_audited(driver, _signed(driver, WT, _approve(WT)), "revoked")
    finally:
        # give the work team a fresh key so later tests can use it
        fresh = Ed25519PrivateKey.generate()
        from domain.signing import public_key_text
        from starters.signer import write_private_key

        write_private_key(driver.settings.keys_dir / f"{WT}.pem", fresh, overwrite=True)
        register_key(driver.store, WT, public_key_text(fresh.public_key()), "county admin", datetime.now(timezone.utc))
    await driver.decide("verification", WT)
    assert (await driver.state()).decisions[-1].official_id == WT


async def test_a_key_revoked_in_the_registry_alone_is_refused_from_the_next_stage(driver, household):
    """Should the open cases not be told (the server was unreachable when it was revoked), the next
    stage reads the officials' keys afresh and refuses it."""
    await driver.open(household)
    old = load_private_key(driver.settings, TS)
    (key,) = [k for k in keys_of(driver.store, TS) if k.revoked_at is None][:1]
    revoke_key(driver.store, key.key_id, "county admin", "left the post", datetime.now(timezone.utc))
    try:
        await driver.verify(household)
        await driver.pass_notice()
        meeting = "长校镇党委会议纪要〔2017〕9号"
        await _refused_and_audited(
            driver, _signed(driver, TS, _approve(TS, stage="township_review", meeting_ref=meeting), key=old), "revoked"
        )
    finally:
        fresh = Ed25519PrivateKey.generate()
        from domain.signing import public_key_text
        from starters.signer import write_private_key

        write_private_key(driver.settings.keys_dir / f"{TS}.pem", fresh, overwrite=True)
        register_key(driver.store, TS, public_key_text(fresh.public_key()), "county admin", datetime.now(timezone.utc))
    await driver.decide("township_review", TS, meeting_ref="长校镇党委会议纪要〔2017〕9号")
    assert (await driver.state()).decisions[-1].official_id == TS


async def test_a_key_revoked_during_the_notice_is_refused_by_the_stage_after_it(driver, household):
    """The stage after a notice reads its officials when the notice closes (in the same registry visit):
    a key revoked while the notice ran, and not signalled, is already refused there."""
    await driver.open(household)
    await driver.verify(household)  # the notice is posted: its officials were read with the posting
    old = load_private_key(driver.settings, TH)
    (key,) = [k for k in keys_of(driver.store, TH) if k.revoked_at is None][:1]
    revoke_key(driver.store, key.key_id, "county admin", "left the post", datetime.now(timezone.utc))
    try:
        await driver.pass_notice()
        await _refused_and_audited(
            driver, _signed(driver, TH, _approve(TH, stage="township_review", meeting_ref="M"), key=old), "revoked"
        )
    finally:
        fresh = Ed25519PrivateKey.generate()
        from domain.signing import public_key_text
        from starters.signer import write_private_key

        write_private_key(driver.settings.keys_dir / f"{TH}.pem", fresh, overwrite=True)
        register_key(driver.store, TH, public_key_text(fresh.public_key()), "county admin", datetime.now(timezone.utc))


async def test_an_opening_with_a_bad_signature_is_refused_and_leaves_the_unit_free(driver, household):
    from tests.support.driver import appraisal

    forged = _signed(driver, "changxiao-hepai-secretary", appraisal(), key=Ed25519PrivateKey.generate(),
                     case_id=f"household-exit/{household}/2017")
    reason = await refused(driver.open(household, first=forged))
    assert "SignatureRefused" in reason and "not registered" in reason
    from starters import cases

    state = await cases.show(driver.client, f"household-exit/{household}/2017")
    assert state.status == "rejected" and state.decisions == []
    assert (await driver.open(household)).status == "open"
