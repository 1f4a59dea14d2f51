"""Every refusal names its reason and leaves the case exactly as it was."""

from datetime import timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus

from domain.messages import DecisionCommand
from tests.support.driver import CG, CH, CS, TH, TS, VD, VS, WT, appraisal, refused
from tests.support.small_registry import COUNTY, OTHER_TOWNSHIP, OTHER_VILLAGE, VILLAGE


async def _unchanged(driver, coro) -> str:
    before = (await driver.state()).model_dump()
    reason = await refused(coro)
    assert (await driver.state()).model_dump() == before, "a refused message changed the case"
    return reason


def _registry_rows(store) -> dict[str, int]:
    from sqlalchemy import func, select

    from activities.registry.schema import Base

    with store.session() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


async def test_refused_openings_name_their_reason_and_leave_the_unit_free(driver, household, small_store):
    registry_before = _registry_rows(small_store)
    # not eligible: income equal to the line, unstable income, housing not safe
    for bad, why in [
        (f"{VILLAGE}-x-at-line", "not above the line"),
        (f"{VILLAGE}-x-unstable", "income_2016"),
        (f"{VILLAGE}-x-housing", "住房安全有保障"),
    ]:
        reason = await refused(driver.open(bad))
        assert "CriteriaNotMet" in reason and why in reason
        # the case refused its own opening: the run failed, which is no case (see list and inbox)
        described = await driver.client.get_workflow_handle(f"household-exit/{bad}/2017").describe()
        assert described.status == WorkflowExecutionStatus.FAILED
    assert "UnitNotFound" in await refused(driver.open("no-such-household"))
    # wrong role, wrong village, meeting in the future, no line for the year: all refused by the case
    assert "WrongRole" in await refused(driver.open(household, first=appraisal(official=WT)))
    other = await refused(driver.open(household, first=appraisal(official=f"{OTHER_VILLAGE}-secretary")))
    assert "UnknownOfficial" in other and "own role and jurisdiction" in other
    # an official without a key (and identity) of their own cannot even sign
    assert "usage" in await refused(driver.open(household, first=appraisal(official="nobody")))
    server_today = (await driver.env.get_current_time()).date()  # the test server skips time ahead
    assert "InvalidRecord" in await refused(driver.open(household, first=appraisal(held_on=server_today + timedelta(days=3650))))
    not_now = await refused(driver.open(household, year=2030))
    assert "NotWorkingYear" in not_now and "working year 2017, not 2030" in not_now
    assert _registry_rows(small_store) == registry_before, "a refused opening changed the registry"
    # after all these refusals the household's case opens as if nothing had happened
    state = await driver.open(household)
    assert state.status == "open" and state.stage == "verification" and [d.seq for d in state.decisions] == [1]


async def test_duplicate_case_for_the_same_household_and_year(driver, household):
    await driver.open(household)
    reason = await refused(driver.open(household))
    assert "already exists" in reason


async def test_sign_off_refusals_at_verification(driver, household):
    await driver.open(household)
    # wrong stage, a stage that does not exist, a consent before the two sign-offs
    assert "WrongStage" in await _unchanged(driver, driver.decide("township_review", TS, meeting_ref="M"))
    assert "WrongStage" in await _unchanged(driver, driver.raw_update("decide", DecisionCommand(stage="bogus", outcome="approve", official_id=VD)))
    assert "OutOfOrder" in await _unchanged(driver, driver.consent(f"{household}-head"))
    # wrong role and wrong jurisdiction
    assert "WrongRole" in await _unchanged(driver, driver.decide("verification", TS))
    assert "UnknownOfficial" in await _unchanged(driver, driver.decide("verification", f"{OTHER_VILLAGE}-secretary"))
    # someone with no key and identity of their own cannot sign at all: refused before anything is sent
    assert "no private key for impostor" in await _unchanged(driver, driver.decide("verification", "impostor"))
    # the household head acknowledges with consent, not decide; another household's head cannot consent
    assert "WrongRole" in await _unchanged(driver, driver.decide("verification", f"{household}-head"))
    await driver.decide("verification", VD)
    # the same slot twice, and the other village committee member filling it again
    assert "AlreadySigned" in await _unchanged(driver, driver.decide("verification", VD))
    assert "AlreadySigned" in await _unchanged(driver, driver.decide("verification", VS))
    await driver.decide("verification", WT)
    other_head = f"{VILLAGE}-e{60 if household.endswith('-e001') else 1:03d}-head"
    assert "UnknownOfficial" in await _unchanged(driver, driver.consent(other_head))
    assert "no private key" in await _unchanged(driver, driver.consent(f"{VILLAGE}-e999-head"))
    # a return needs an earlier stage
    assert "BadReturn" in await _unchanged(
        driver, driver.decide("verification", VD, outcome="return", to_stage="township_review", note="x")
    )


async def test_two_signatures_of_a_stage_need_two_people_and_one_meeting(driver, household):
    await driver.open(household)
    await driver.verify(household)
    await driver.pass_notice()
    assert "MeetingRequired" in await _unchanged(driver, driver.decide("township_review", TS))
    await driver.decide("township_review", TS, meeting_ref="长校镇党委会议纪要〔2017〕9号")
    assert "MeetingRequired" in await _unchanged(driver, driver.decide("township_review", TH, meeting_ref="另一次会议"))
    assert "UnknownOfficial" in await _unchanged(
        driver, driver.decide("township_review", f"{OTHER_TOWNSHIP}-head", meeting_ref="长校镇党委会议纪要〔2017〕9号")
    )
    await driver.decide("township_review", TH, meeting_ref="长校镇党委会议纪要〔2017〕9号")
    await driver.until(lambda s: s.stage == "county_approval")
    # the township head also holds a county post: nobody signs one case at two levels
    reason = await _unchanged(driver, driver.decide("county_approval", f"{COUNTY}-deputy-group", meeting_ref="M1"))
    assert "SamePerson" in reason and "two levels" in reason
    # county secretary and head sign only after the leading group's review
    assert "OutOfOrder" in await _unchanged(driver, driver.decide("county_approval", CS, meeting_ref="M2"))
    await driver.decide("county_approval", CG, meeting_ref="M1")
    await driver.decide("county_approval", CS, meeting_ref="M2")
    # one person holding both county posts may not fill both signatures
    reason = await _unchanged(driver, driver.decide("county_approval", f"{COUNTY}-acting-head", meeting_ref="M2"))
    assert "SamePerson" in reason and "two different people" in reason
    await driver.decide("county_approval", CH, meeting_ref="M2")
    final = await driver.until(lambda s: s.status == "exited")
    assert final.status == "exited"


async def test_notice_stage_takes_no_decisions_and_closed_case_takes_nothing(driver, household):
    await driver.open(household)
    await driver.verify(household)
    assert "WrongStage" in await _unchanged(driver, driver.decide("notice", VS))
    await driver.pass_notice()
    await driver.township()
    await driver.decide("county_approval", CG, meeting_ref="M1")
    await driver.decide("county_approval", CS, outcome="reject", note="收入数据存疑", meeting_ref="县委常委会〔2017〕13号")
    final = await driver.until(lambda s: s.status == "rejected")
    assert "收入数据存疑" in final.outcome_reason
    reason = await refused(driver.decide("county_approval", CH, meeting_ref="M2"))
    assert "closed" in reason
    reason = await refused(driver.object())
    assert "closed" in reason


@pytest.mark.parametrize("outcome", ["return", "reject"])
def test_return_and_reject_need_a_reason(outcome):
    with pytest.raises(ValueError, match="reason"):
        DecisionCommand(stage="verification", outcome=outcome, official_id=VD, to_stage="appraisal" if outcome == "return" else None)
