"""重点乡 exits: application, county assessment with indicator findings, city review, city notice, approval."""

from activities.registry.schema import Township
from tests.support.driver import refused
from tests.support.small_registry import OTHER_TOWNSHIP, TOWNSHIP
from tests.support.unit_cases import CG, MG, MM, MS, TH, TS, application, findings


async def _to_notice(driver, year: int):
    opened = await driver.open_unit("township", TOWNSHIP, year, application(TH))
    assert opened.stage == "county_assessment" and [a.role for a in opened.awaiting] == ["county_group"]
    await driver.decide("county_assessment", CG, meeting_ref="县扶贫领导小组会议", record=findings())
    await driver.until(lambda s: s.stage == "city_review")
    await driver.decide("city_review", MG, meeting_ref="市扶贫领导小组会议")
    await driver.post_notice()
    return await driver.until(lambda s: s.stage == "notice" and s.current_notice() is not None)


async def test_indicator_findings_are_required_and_must_all_be_close(unit_driver):
    driver = unit_driver
    driver.working_year(2019)
    await driver.open_unit("township", TOWNSHIP, 2019, application(TH))
    assert "InvalidRecord" in await refused(driver.decide("county_assessment", CG, meeting_ref="M"))
    missing = await refused(driver.decide("county_assessment", CG, meeting_ref="M", record=findings(skip=1)))
    assert "missing" in missing
    far = await refused(driver.decide("county_assessment", CG, meeting_ref="M", record=findings(close=False)))
    assert "not close" in far
    await driver.decide("county_assessment", CG, outcome="reject", note="公共服务指标与全市差距较大", meeting_ref="县扶贫领导小组会议〔2018〕2号")
    assert (await driver.until(lambda s: s.status == "rejected")).status == "rejected"


async def test_township_openings_refused(unit_driver):
    driver = unit_driver
    driver.working_year(2018)
    # 李家 is not a key township and its growth only equals the city's
    reason = await refused(driver.open_unit("township", OTHER_TOWNSHIP, 2018, application(f"{OTHER_TOWNSHIP}-head")))
    assert "CriteriaNotMet" in reason and "designated" in reason and "income_growth" in reason
    # the township head applies, not the secretary
    driver.working_year(2020)
    assert "WrongRole" in await refused(driver.open_unit("township", TOWNSHIP, 2020, application(TS)))


async def test_city_notice_objection_dismissed_then_city_approval_needs_two_people(unit_driver):
    driver = unit_driver
    driver.working_year(2020)
    await _to_notice(driver, 2020)
    ack = await driver.object(reason="乡卫生院服务未达标")
    assert "WrongRole" in await refused(driver.resolve(ack.objection_id, "dismiss", official=CG))
    await driver.resolve(ack.objection_id, "dismiss", official=MG, finding="经核实已达标")
    await driver.until(lambda s: len(s.notices) == 2 and s.current_notice() is not None)
    await driver.pass_notice("city_approval")
    await driver.decide("city_approval", MS, meeting_ref="M")
    assert "AlreadySigned" in await refused(driver.decide("city_approval", MS, meeting_ref="M"))
    await driver.decide("city_approval", MM, outcome="return", to_stage="city_review", note="名单需重新确定", meeting_ref="市委常委会〔2018〕5号")
    back = await driver.until(lambda s: s.stage == "city_review")
    assert [a.role for a in back.awaiting] == ["city_group"]


async def test_key_township_exits(unit_driver):
    driver, small_store = unit_driver, unit_driver.store
    driver.working_year(2018)
    in_notice = await _to_notice(driver, 2018)
    assert [(sc.level, sc.jurisdiction_id) for sc in in_notice.current_notice().scopes] == [("city", "sanming")]
    await driver.pass_notice("city_approval")
    await driver.decide("city_approval", MS, meeting_ref="市委常委会〔2018〕30号")
    await driver.decide("city_approval", MM, meeting_ref="市委常委会〔2018〕30号")
    final = await driver.until(lambda s: s.status != "open")
    assert final.status == "exited" and final.registry_change["unit_type"] == "township"
    assert [d.stage for d in final.decisions] == [
        "application", "county_assessment", "city_review", "notice", "city_approval", "city_approval",
    ]  # the notice's posting, recorded by the city group
    with small_store.session() as s:
        assert s.get(Township, TOWNSHIP).status == "exited"
