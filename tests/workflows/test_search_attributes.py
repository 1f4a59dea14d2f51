"""The search attributes `tuopin inbox`, the reminders and the Web UI's lists stand on must say what
the case says after every message, although a case publishes them once per change (a message that
ends a stage leaves the publishing to the procedure, which moves on in the same workflow task) and
who it awaits once per wait (domain/waits.py: a signature that leaves others of its phase to sign
publishes nothing; `Awaiting` keeps naming everyone the wait began with)."""

from datetime import datetime, timedelta

from tests.support.driver import CG, CH, CS, TH, TS, VD, WT, CaseDriver
from workflows import search_attributes as sa


async def published(driver: CaseDriver) -> tuple:
    described = (await driver.client.get_workflow_handle(driver.case_id).describe()).typed_search_attributes
    return (
        described.get(sa.CASE_STAGE), described.get(sa.CASE_STATUS), sorted(described.get(sa.AWAITING) or []),
        described.get(sa.AWAITING_SINCE),
    )


class Wait:
    """The wait last seen published, to tell a new one from the same one going on."""

    names: list[str] = []
    since: datetime | None = None


async def assert_published(driver: CaseDriver, stage: str, seen: Wait, *, new_wait: bool) -> None:
    state = await driver.state()
    still = sorted(a.key() for a in state.awaiting)
    assert state.stage == stage
    assert await driver.client.get_workflow_handle(driver.case_id).query("still_awaited") == [a.key() for a in state.awaiting]
    p_stage, p_status, p_names, p_since = await published(driver)
    assert (p_stage, p_status) == (state.stage, state.status)
    assert set(still) <= set(p_names), "everyone the case still needs can find it"
    assert p_since == state.awaiting_since, "a reminder names the wait the case knows"
    if new_wait:
        assert p_names == still and p_since != seen.since
    else:
        assert p_names == seen.names and p_since == seen.since, "a signature within a wait publishes nothing"
    seen.names, seen.since = p_names, p_since


async def test_search_attributes_follow_the_case_through_every_stage(driver, household):
    seen = Wait()
    await driver.open(household)
    await assert_published(driver, "verification", seen, new_wait=True)

    await driver.decide("verification", VD)  # the work team has still to sign: the same wait
    await assert_published(driver, "verification", seen, new_wait=False)
    await driver.decide("verification", WT)  # the phase is signed: now the household is awaited
    await assert_published(driver, "verification", seen, new_wait=True)
    await driver.consent(f"{household}-head")  # ends the stage: the procedure issues the notice
    await driver.until(lambda s: s.stage == "notice" and s.notice_issued_at is not None)
    await assert_published(driver, "notice", seen, new_wait=True)  # the village is awaited to post it
    await driver.post_notice()
    in_notice = await driver.until(lambda s: s.stage == "notice" and s.current_notice() is not None)
    await assert_published(driver, "notice", seen, new_wait=True)
    described = (await driver.client.get_workflow_handle(driver.case_id).describe()).typed_search_attributes
    assert described.get(sa.NOTICE_CLOSES_AT) == in_notice.current_notice().closes_at

    ack = await driver.object()  # lets the notice move on (to wait for a resolution)
    await assert_published(driver, "notice", seen, new_wait=True)
    assert (await published(driver))[2], "the resolvers are awaited"
    await driver.resolve(ack.objection_id, "dismiss")  # a new full window
    await driver.until(lambda s: len(s.notices) == 2 and s.current_notice() is not None)
    await assert_published(driver, "notice", seen, new_wait=True)

    await driver.env.sleep(timedelta(days=8))
    await driver.until(lambda s: s.stage == "township_review")
    await assert_published(driver, "township_review", seen, new_wait=True)
    await driver.decide("township_review", TS, meeting_ref="M")
    await assert_published(driver, "township_review", seen, new_wait=False)
    await driver.decide("township_review", TH, meeting_ref="M")
    await assert_published(driver, "county_approval", seen, new_wait=True)
    await driver.decide("county_approval", CG, meeting_ref="M")  # the group's phase, then the leaders'
    await assert_published(driver, "county_approval", seen, new_wait=True)
    await driver.decide("county_approval", CS, meeting_ref="M")
    await assert_published(driver, "county_approval", seen, new_wait=False)
    await driver.decide("county_approval", CH, meeting_ref="M")  # exited: nobody is awaited any more
    await driver.until(lambda s: s.status == "exited")
    await assert_published(driver, "county_approval", seen, new_wait=True)
    assert seen.names == []


async def test_a_decision_that_returns_the_case_is_published_with_the_stage_it_returns_to(driver, household):
    await driver.open(household)
    await driver.verify(household)
    await driver.pass_notice()
    await driver.decide("township_review", TH, outcome="return", to_stage="verification", note="材料不全", meeting_ref="长校镇党委会议纪要〔2017〕10号")
    await driver.until(lambda s: s.stage == "verification")
    await assert_published(driver, "verification", Wait(), new_wait=True)


async def test_a_rejected_case_is_published_closed(driver, household):
    await driver.open(household)
    await driver.decide("verification", VD, outcome="reject", note="收入未达标")
    state = await driver.until(lambda s: s.status != "open")
    assert (await published(driver))[:2] == (state.stage, state.status)
