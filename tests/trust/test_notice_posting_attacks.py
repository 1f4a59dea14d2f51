"""Attacks on the notice as posted (公示 posted, `notice_posted`): the 7 days run from the recorded
posting, so whoever reaches the Temporal frontend would like to shorten them (a posting back-dated
before the notice existed, or altered after signing), to record it in the wrong place's name, or to
replay it. Every one is refused by the update's validator: the case is unchanged and, on the dev
server, its history does not grow."""

from datetime import timedelta, timezone

from domain.messages import PostingCommand
from domain.notice_posting import notice_issued
from starters.signer import load_signer
from tests.support.driver import TS, VD, WT, refused
from tests.support.small_registry import OTHER_VILLAGE, VILLAGE

VS = f"{VILLAGE}-secretary"
PLACE = "村委会公示栏"


async def _at_notice(driver, household: str):
    await driver.open(household)
    await driver.decide("verification", VD)
    await driver.decide("verification", WT)
    await driver.consent(f"{household}-head")
    return await driver.until(lambda s: s.stage == "notice" and notice_issued(s))


def _signed(driver, state, official: str, posted_at, case_id: str | None = None) -> PostingCommand:
    cmd = PostingCommand(official_id=official, posted_at=posted_at, place=PLACE)
    return load_signer(driver.settings, official).sign(case_id or state.case_id, state.stage, state.pass_id or "", cmd)


async def _events(driver) -> int:
    return len((await driver.client.get_workflow_handle(driver.case_id).fetch_history()).events)


async def _refused_unchanged(driver, cmd: PostingCommand, words: str) -> None:
    before, events = await driver.state(), await _events(driver)
    reason = await refused(driver.raw_update("notice_posted", cmd))
    assert words in reason, reason
    after = await driver.state()
    assert (after.decisions, after.notices) == (before.decisions, before.notices)
    assert await _events(driver) == events, "a refused posting reached the case's history"


async def test_a_posting_in_the_future_or_before_the_notice_existed_is_refused(dev_driver, household):
    driver = dev_driver
    state = await _at_notice(driver, household)
    now = await driver.env.get_current_time()
    await _refused_unchanged(driver, _signed(driver, state, VS, now + timedelta(hours=2)), "is in the future")
    issued = state.notice_issued_at
    await _refused_unchanged(driver, _signed(driver, state, VS, issued - timedelta(days=3)), "before the notice was issued")


async def test_a_posting_altered_after_signing_is_refused(dev_driver, household):
    driver = dev_driver
    state = await _at_notice(driver, household)
    now = await driver.env.get_current_time()
    cmd = _signed(driver, state, VS, now)
    earlier = cmd.model_copy(update={"posted_at": state.notice_issued_at.replace(second=0, microsecond=0)})
    await _refused_unchanged(driver, earlier, "does not match")
    elsewhere = cmd.model_copy(update={"place": "村口大树下"})
    await _refused_unchanged(driver, elsewhere, "does not match")
    # the same instant spelled in Beijing time: the signature binds the time as signed
    beijing = cmd.model_copy(update={"posted_at": cmd.posted_at.astimezone(timezone(timedelta(hours=8)))})
    assert beijing.posted_at == cmd.posted_at and beijing.posted_at.isoformat() != cmd.posted_at.isoformat()
    await _refused_unchanged(driver, beijing, "does not match")


async def test_a_posting_by_the_wrong_post_is_refused(dev_driver, household):
    driver = dev_driver
    state = await _at_notice(driver, household)
    now = await driver.env.get_current_time()
    await _refused_unchanged(driver, _signed(driver, state, f"{OTHER_VILLAGE}-secretary", now), "UnknownOfficial")
    await _refused_unchanged(driver, _signed(driver, state, TS, now), "WrongRole")
    await _refused_unchanged(driver, _signed(driver, state, WT, now), "WrongRole")
    borrowed = _signed(driver, state, VD, now).model_copy(update={"official_id": VS})  # VD's signature as VS's
    await _refused_unchanged(driver, borrowed, "SignatureRefused")


async def test_a_posting_replayed_as_sent_re_spelled_or_onto_another_case_is_refused(dev_driver, household,
                                                                                   second_household):
    driver = dev_driver
    other = await _at_notice(driver, second_household)
    state = await _at_notice(driver, household)
    now = await driver.env.get_current_time()
    cmd = _signed(driver, state, VS, now)
    await driver.raw_update("notice_posted", cmd)
    await _refused_unchanged(driver, cmd, "AlreadySigned")
    respelled = cmd.model_copy(update={"signature": cmd.signature.model_copy(update={"value": cmd.signature.value[:-2]})})
    await refused(driver.raw_update("notice_posted", respelled))
    assert len([d for d in (await driver.state()).decisions if d.outcome == "posted"]) == 1
    driver.case_id = other.case_id
    await _refused_unchanged(driver, cmd, "SignatureRefused")
