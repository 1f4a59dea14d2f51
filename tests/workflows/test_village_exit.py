"""贫困村 / 空壳村 exits on the time-skipping server: survey, notice in township and village, approval."""

from activities.registry.schema import Village
from tests.support.driver import refused
from tests.support.small_registry import OTHER_VILLAGE, VILLAGE
from tests.support.unit_cases import CG, CH, CS, MG, TH, TS, survey


async def _approve(driver):
    await driver.decide("county_approval", CG, meeting_ref="县扶贫领导小组会议〔2018〕7号")
    await driver.decide("county_approval", CS, meeting_ref="县委常委会〔2018〕20号")
    await driver.decide("county_approval", CH, meeting_ref="县委常委会〔2018〕20号")
    return await driver.until(lambda s: s.status != "open")


async def test_village_openings_refused(unit_driver):
    driver = unit_driver
    driver.working_year(2018)
    # 沙坪: 3 poor persons over 100 → 3 %, not below 2 %
    reason = await refused(driver.open_unit("village", OTHER_VILLAGE, 2018, survey(), "poor"))
    assert "CriteriaNotMet" in reason and "incidence" in reason and "3.00%" in reason
    assert "CriteriaNotMet" in await refused(driver.open_unit("village", OTHER_VILLAGE, 2018, survey(), "hollow"))
    # the survey is the township's: not the county's, and it cites the township's meeting and findings
    driver.working_year(2019)
    assert "WrongRole" in await refused(driver.open_unit("village", VILLAGE, 2019, survey(official=CG), "poor"))
    assert "MeetingRequired" in await refused(_no_meeting(driver))
    assert "InvalidRecord" in await refused(driver.open_unit("village", VILLAGE, 2019, survey(departments=""), "poor"))


def _no_meeting(driver):
    from domain.messages import DecisionCommand

    first = survey()
    return driver.open_unit("village", VILLAGE, 2019, DecisionCommand(**{**first.model_dump(), "meeting_ref": None}), "poor")


async def test_village_notice_objection_is_resolved_by_the_township(unit_driver):
    driver = unit_driver
    driver.working_year(2019)
    await driver.open_unit("village", VILLAGE, 2019, survey(), "poor")
    await driver.until(lambda s: s.current_notice() is not None)
    assert "already exists" in await refused(driver.open_unit("village", VILLAGE, 2019, survey(), "poor"))
    ack = await driver.object(reason="村集体收入含一次性补助")
    state = await driver.state()
    assert {(a.role, a.jurisdiction) for a in state.awaiting} == {("township_secretary", "changxiao"), ("township_head", "changxiao")}
    assert "WrongRole" in await refused(driver.resolve(ack.objection_id, "dismiss", official=f"{VILLAGE}-secretary"))
    await driver.resolve(ack.objection_id, "uphold", official=TH, finding="核实属实：集体收入不足10万元")
    final = await driver.until(lambda s: s.status == "rejected")
    assert "集体收入不足" in final.outcome_reason


async def test_village_return_to_survey_and_reject(unit_driver):
    driver = unit_driver
    driver.working_year(2020)
    await driver.open_unit("village", VILLAGE, 2020, survey(), "hollow")
    await driver.pass_notice("county_approval")
    await driver.decide("county_approval", CG, outcome="return", to_stage="survey", note="调查部门不全，补充调查",
                        meeting_ref="县扶贫领导小组会议〔2020〕4号")
    back = await driver.until(lambda s: s.stage == "survey")
    assert {a.role for a in back.awaiting} == {"township_secretary", "township_head"}
    record = survey().record
    await driver.decide("survey", TH, meeting_ref="长校镇党政班子会议〔2020〕2号", record=record)
    # 四.3 党政主要领导签字确认: the head alone leaves the survey open; the secretary countersigns
    assert (await driver.state()).stage == "survey"
    await driver.decide("survey", TS, meeting_ref="长校镇党政班子会议〔2020〕2号")
    await driver.post_notice()
    await driver.until(lambda s: s.stage == "notice" and len(s.notices) == 2 and s.current_notice() is not None)
    await driver.pass_notice("county_approval")
    await driver.decide("county_approval", CG, meeting_ref="M1")
    await driver.decide("county_approval", CS, outcome="reject", note="产业基础薄弱，暂缓出列", meeting_ref="县委常委会〔2020〕9号")
    final = await driver.until(lambda s: s.status == "rejected")
    assert "暂缓出列" in final.outcome_reason and final.registry_change is None
    # the city is only filed with: it has no signature in a village exit
    assert "closed" in await refused(driver.decide("county_approval", MG, meeting_ref="M"))


async def test_both_designations_of_one_village_exit(unit_driver):
    driver, small_store = unit_driver, unit_driver.store
    driver.working_year(2018)
    for designation in ("poor", "hollow"):
        opened = await driver.open_unit("village", VILLAGE, 2018, survey(), designation)
        assert opened.case_id == f"village-exit/{VILLAGE}/{designation}/2018"
        assert opened.stage == "notice" and opened.designation == designation
        assert opened.criteria.met
        assert opened.facts["incidence"] == {"poor_persons": opened.facts["incidence"]["poor_persons"], "rural_population": 20000}
        window = opened.current_notice() or (await driver.until(lambda s: s.current_notice() is not None)).current_notice()
        assert {(sc.level, sc.jurisdiction_id) for sc in window.scopes} == {("township", "changxiao"), ("village", VILLAGE)}
        await driver.pass_notice("county_approval")
        final = await _approve(driver)
        assert final.status == "exited"
        kinds = {(a.kind, a.level) for a in final.announcements}
        assert kinds == {("announcement", "county"), ("filing", "city")}
        assert final.registry_change["unit_type"] == f"village_{designation}"
    with small_store.session() as s:
        row = s.get(Village, VILLAGE)
        assert (row.poor_status, row.hollow_status) == ("exited", "exited")
        assert row.poor_exited_case_id.endswith("/poor/2018") and row.hollow_exited_case_id.endswith("/hollow/2018")
    assert "already exists" in await refused(driver.open_unit("village", VILLAGE, 2018, survey(), "poor"))
    driver.working_year(2021)
    assert "status 'exited'" in await refused(driver.open_unit("village", VILLAGE, 2021, survey(), "poor"))
