"""三(一)2 并在村内公示不少于7天无异议 / 二.3 结果公示公告，让群众参与评价，做到全程透明: the notice a village
posts is one its villagers can check — the household head, village group and size, income per person
against the line and the 两不愁三保障 findings, where and when it was posted, the dates and the office's
监督电话 — never an ID number or a phone of the household; and its 7 days run from the posting the
village records, not from when the system issued it."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from activities.registry.schema import Household
from domain.notice_page import notice_page
from starters.notice_commands import record_posting
from domain.messages import PostingCommand
from tests.support.driver import TS, VD, VS, refused
from tests.support.small_registry import COUNTY_PHONE, OTHER_VILLAGE, TOWNSHIP_PHONE, VILLAGE
from workflows import search_attributes as sa


def _personal(store, household: str) -> list[str]:
    with store.session() as s:
        row = s.get(Household, household)
        return [row.head_id_number, row.phone]


async def _posting(driver, official: str, at, place: str = "河排村村委会公示栏"):
    await driver.signing_at_server_time()
    return await record_posting(driver.client, driver.settings, driver.case_id,
                                PostingCommand(official_id=official, posted_at=at, place=place))


async def test_the_notice_names_the_household_and_its_figures_and_never_its_personal_fields(driver, household, small_store):
    await driver.open(household)
    await driver.decide("verification", VD)
    await driver.decide("verification", "changxiao-hepai-workteam")
    await driver.consent(f"{household}-head")
    issued = await driver.until(lambda s: s.notice_issued_at is not None)
    await driver.post_notice(place="河排村村委会公示栏")
    state = await driver.until(lambda s: s.current_notice() is not None)
    page = notice_page([state], "公示")
    body = small_store.notices(driver.case_id)[0].body
    for text in (page, body):
        assert "测试户主" in text and "第三村民小组" in text and "3 人" in text
        assert "2017年人均可支配收入" in text and "高于当年扶贫标准" in text and "住房安全有保障" in text
        assert "河排村村委会公示栏" in text and TOWNSHIP_PHONE in text and COUNTY_PHONE in text
        assert "公示期" in text and "不少于7天" in text
        for field in _personal(small_store, household):
            assert field not in text
    assert "@page" in page and "A4" in page
    # the workflow's search attributes carry none of the household's personal fields, nor its head's name
    attrs = (await driver.client.get_workflow_handle(driver.case_id).describe()).typed_search_attributes
    published = " ".join(str(p.value) for p in attrs)
    for field in [*_personal(small_store, household), "测试户主", "第三村民小组"]:
        assert field not in published
    assert issued.notice_particulars is not None and not {"head_id_number", "phone"} & set(issued.notice_particulars.model_dump())


async def test_the_seven_days_run_from_the_recorded_posting(driver, household):
    await driver.open(household)
    await driver.decide("verification", VD)
    await driver.decide("verification", "changxiao-hepai-workteam")
    await driver.consent(f"{household}-head")
    issued = await driver.until(lambda s: s.notice_issued_at is not None)
    # objections wait for the posting: nobody has seen the notice yet
    assert "not been posted" in await refused(driver.object())
    now = await driver.env.get_current_time()
    # attacks: a posting in the future, one before the notice was issued, one by the township, one by an outsider
    assert "future" in await refused(_posting(driver, VS, now + timedelta(days=1)))
    assert "before the notice was issued" in await refused(_posting(driver, VS, issued.notice_issued_at - timedelta(hours=1)))
    assert "WrongRole" in await refused(_posting(driver, TS, now))
    assert "UnknownOfficial" in await refused(_posting(driver, f"{OTHER_VILLAGE}-secretary", now))
    with pytest.raises(ValidationError, match="blank"):
        PostingCommand(official_id=VS, posted_at=now, place="  ")
    with pytest.raises(ValidationError, match="time zone"):
        PostingCommand(official_id=VS, posted_at=now.replace(tzinfo=None), place="村委会公示栏")
    # three days after the issue the village posts it
    await driver.env.sleep(timedelta(days=3))
    posted_at = await driver.env.get_current_time()
    await _posting(driver, VS, posted_at)
    window = (await driver.until(lambda s: s.current_notice() is not None)).current_notice()
    assert window.opened_at == posted_at and window.closes_at - posted_at >= timedelta(days=7)
    assert "already" in await refused(_posting(driver, VD, posted_at))
    described = (await driver.client.get_workflow_handle(driver.case_id).describe()).typed_search_attributes
    assert described.get(sa.NOTICE_CLOSES_AT) == window.closes_at
    # 7 days from the issue are not enough: the notice is still open 6 days after its posting
    await driver.env.sleep(timedelta(days=6))
    assert (await driver.state()).stage == "notice"
    await driver.env.sleep(timedelta(days=2))
    after = await driver.until(lambda s: s.stage == "township_review")
    posted = [d for d in after.decisions if d.outcome == "posted"]
    assert [(d.official_id, d.record["place"]) for d in posted] == [(VS, "河排村村委会公示栏")]


async def test_a_posting_recorded_late_counts_from_when_it_was_posted(driver, household):
    """The village records on day 5 a posting made on day 1: the window closes 7 days after day 1."""
    await driver.open(household)
    await driver.decide("verification", VD)
    await driver.decide("verification", "changxiao-hepai-workteam")
    await driver.consent(f"{household}-head")
    await driver.until(lambda s: s.notice_issued_at is not None)
    await driver.env.sleep(timedelta(days=1))
    day_one = await driver.env.get_current_time()
    await driver.env.sleep(timedelta(days=4))
    await _posting(driver, VS, day_one)
    window = (await driver.until(lambda s: s.current_notice() is not None)).current_notice()
    assert window.opened_at == day_one
    await driver.env.sleep(timedelta(days=4))
    await driver.until(lambda s: s.stage == "township_review")


async def test_a_village_notice_is_posted_in_the_township_and_in_the_village(unit_driver):
    """三(二)2 拟退出村名单在乡镇和所在村内公示: both places record their posting; the window waits for both.
    (A registry of its own, in a year no other test's village case uses on the shared test server.)"""
    from tests.support.unit_cases import TH, survey

    driver = unit_driver
    driver.working_year(2021)
    await driver.open_unit("village", VILLAGE, 2021, survey(), "hollow", countersign=False)
    await driver.decide("survey", TH, meeting_ref=survey().meeting_ref)
    await driver.until(lambda s: s.stage == "notice" and s.notice_issued_at is not None)
    now = await driver.env.get_current_time()
    await _posting(driver, f"{VILLAGE}-secretary", now, place="河排村村委会公示栏")
    half = await driver.state()
    assert half.current_notice() is None
    assert {(a.role, a.jurisdiction) for a in half.awaiting} == {
        ("township_secretary", "changxiao"), ("township_head", "changxiao")}
    await _posting(driver, TS, now, place="长校镇政务公开栏")
    state = await driver.until(lambda s: s.current_notice() is not None)
    page = notice_page([state], "公示")
    assert "河排村" in page and "贫困发生率" in page and "村级集体收入" in page and "长校镇政务公开栏" in page
