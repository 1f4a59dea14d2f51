"""重点县 exits: application, city assessment against the province's indicators, city endorsement, province."""

from activities.registry.schema import County
from tests.support.driver import refused
from tests.support.small_registry import COUNTY
from tests.support.unit_cases import CG, MG, MM, MS, PG, TH, application, findings


async def test_county_refusals(unit_driver):
    driver = unit_driver
    driver.working_year(2020)
    assert "UnknownOfficial" in await refused(driver.open_unit("county", COUNTY, 2020, application(TH)))
    assert "WrongRole" in await refused(driver.open_unit("county", COUNTY, 2020, application("qingliu-secretary")))
    await driver.open_unit("county", COUNTY, 2020, application(CG))
    assert "WrongStage" in await refused(driver.decide("province_approval", PG, meeting_ref="M"))
    await driver.decide("city_assessment", MG, meeting_ref="M", record=findings())
    await driver.until(lambda s: s.stage == "city_endorsement")
    await driver.decide("city_endorsement", MS, meeting_ref="M")
    assert "MeetingRequired" in await refused(driver.decide("city_endorsement", MM, meeting_ref="another"))
    await driver.decide("city_endorsement", MM, outcome="return", to_stage="application", note="申请材料缺统计数据", meeting_ref="市委常委会〔2019〕3号")
    back = await driver.until(lambda s: s.stage == "application")
    assert [a.role for a in back.awaiting] == ["county_group"]


async def test_key_county_exits_without_a_notice(unit_driver):
    driver, small_store = unit_driver, unit_driver.store
    driver.working_year(2019)
    opened = await driver.open_unit("county", COUNTY, 2019, application(CG))
    assert opened.stage == "city_assessment"
    comparison = opened.facts["service_indicators"]
    assert all(c["average"]["value"] == "97.0000" or c["average"]["value"].startswith("97") for c in comparison.values())
    await driver.decide("city_assessment", MG, meeting_ref="市扶贫领导小组会议", record=findings())
    await driver.until(lambda s: s.stage == "city_endorsement")
    assert "WrongStage" in await refused(driver.decide("province_approval", PG, meeting_ref="M"))
    await driver.decide("city_endorsement", MS, meeting_ref="市委常委会")
    await driver.decide("city_endorsement", MM, meeting_ref="市委常委会")
    await driver.until(lambda s: s.stage == "province_approval")
    await driver.decide("province_approval", PG, meeting_ref="省扶贫领导小组会议〔2019〕4号")
    final = await driver.until(lambda s: s.status != "open")
    assert final.status == "exited" and final.notices == [] and final.announcements == []
    with small_store.session() as s:
        row = s.get(County, COUNTY)
        assert (row.status, row.exited_case_id) == ("exited", driver.case_id)
    # an exited county cannot open another case
    driver.working_year(2021)
    assert "status 'exited'" in await refused(driver.open_unit("county", COUNTY, 2021, application(CG)))


