"""The search attributes `tuopin inbox`, the reminders and the Web UI's lists stand on must say what
the case says after every message, although a case publishes them once per change (a message that
ends a stage leaves the publishing to the procedure, which moves on in the same workflow task)."""

from datetime import timedelta

from tests.support.driver import CG, CH, CS, TH, TS, VD, WT, CaseDriver
from workflows import search_attributes as sa


async def published(driver: CaseDriver) -> tuple:
    described = (await driver.client.get_workflow_handle(driver.case_id).describe()).typed_search_attributes
    return (
        described.get(sa.CASE_STAGE), described.get(sa.CASE_STATUS), sorted(described.get(sa.AWAITING) or []),
    )


async def told(driver: CaseDriver) -> tuple:
    state = await driver.state()
    return state.stage, state.status, sorted(a.key() for a in state.awaiting)


async def assert_published(driver: CaseDriver, stage: str) -> None:
    says = await told(driver)
    assert says[0] == stage
    assert await published(driver) == says


async def test_search_attributes_follow_the_case_through_every_stage(driver, household):
    await driver.open(household)
    await assert_published(driver, "verification")

    await driver.decide("verification", VD)  # the stage goes on: the message publishes
    await assert_published(driver, "verification")
    await driver.decide("verification", WT)
    await driver.consent(f"{household}-head")  # ends the stage: the procedure publishes the notice
    in_notice = await driver.until(lambda s: s.stage == "notice" and s.current_notice() is not None)
    await assert_published(driver, "notice")
    described = (await driver.client.get_workflow_handle(driver.case_id).describe()).typed_search_attributes
    assert described.get(sa.NOTICE_CLOSES_AT) == in_notice.current_notice().closes_at

    ack = await driver.object()  # lets the notice move on (to wait for a resolution)
    await assert_published(driver, "notice")
    assert (await published(driver))[2], "the resolvers are awaited"
    await driver.resolve(ack.objection_id, "dismiss")  # a new full window
    await driver.until(lambda s: len(s.notices) == 2 and s.current_notice() is not None)
    await assert_published(driver, "notice")

    await driver.env.sleep(timedelta(days=8))
    await driver.until(lambda s: s.stage == "township_review")
    await assert_published(driver, "township_review")
    await driver.decide("township_review", TS, meeting_ref="M")
    await assert_published(driver, "township_review")
    await driver.decide("township_review", TH, meeting_ref="M")
    await assert_published(driver, "county_approval")
    for official in (CG, CS, CH):
        await driver.decide("county_approval", official, meeting_ref="M")
        await assert_published(driver, "county_approval")


async def test_a_decision_that_returns_the_case_is_published_with_the_stage_it_returns_to(driver, household):
    await driver.open(household)
    await driver.verify(household)
    await driver.pass_notice()
    await driver.decide("township_review", TH, outcome="return", to_stage="verification", note="材料不全")
    await driver.until(lambda s: s.stage == "verification")
    await assert_published(driver, "verification")


async def test_a_rejected_case_is_published_closed(driver, household):
    await driver.open(household)
    await driver.decide("verification", VD, outcome="reject", note="收入未达标")
    state = await driver.until(lambda s: s.status != "open")
    assert (await published(driver))[:2] == (state.stage, state.status)
