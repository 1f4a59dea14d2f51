"""A return re-runs every later stage, the public notice included; a reject ends the case."""

from datetime import date, timedelta

from domain.messages import CaseOutcome
from tests.support.driver import CG, TH, TS, VD, VS, WT, refused


async def test_return_from_township_to_verification_reruns_the_notice(driver, household, small_store):
    await driver.open(household)
    await driver.verify(household)
    await driver.pass_notice()
    await driver.decide("township_review", TS, meeting_ref="M-9")
    await driver.decide("township_review", TH, outcome="return", to_stage="verification", note="工作队签字材料不全", meeting_ref="长校镇党委会议纪要〔2017〕10号")
    back = await driver.until(lambda s: s.stage == "verification")
    assert back.stage_pass["verification"] == 2
    assert {(a.role) for a in back.awaiting} == {"village_secretary", "village_director", "work_team"}
    superseded = {(d.stage, d.official_id) for d in back.decisions if d.superseded}
    assert ("verification", WT) in superseded and ("township_review", TS) in superseded
    assert not back.decisions[0].superseded  # the appraisal before the returned-to stage still stands
    # the same people sign the new pass; the notice runs again in full
    await driver.verify(household)
    again = await driver.state()
    assert len(again.notices) == 2 and again.current_notice().window_no == 2
    await driver.pass_notice()
    await driver.township(meeting="M-10")
    final = await driver.county()
    assert final.status == "exited"
    assert len(small_store.notices(driver.case_id)) == 2


async def test_return_to_appraisal_needs_a_new_meeting_record(driver, household):
    await driver.open(household)
    await driver.decide("verification", WT, outcome="return", to_stage="appraisal", note="评议会人数不足")
    back = await driver.until(lambda s: s.stage == "appraisal")
    assert {(a.role) for a in back.awaiting} == {"village_secretary", "village_director"}
    assert "InvalidRecord" in await refused(driver.decide("appraisal", VS, meeting_ref="M-2"))
    await driver.decide(
        "appraisal", VD, meeting_ref="M-2",
        record={"held_on": date(2017, 2, 1).isoformat(), "attendance": 51, "result": "同意拟退出"},
    )
    moved = await driver.until(lambda s: s.stage == "verification")
    assert moved.stage_pass == {"appraisal": 2, "verification": 2}


async def test_return_from_county_approval_to_notice(driver, household):
    await driver.open(household)
    await driver.verify(household)
    await driver.pass_notice()
    await driver.township()
    await driver.decide("county_approval", CG, outcome="return", to_stage="notice", note="公示照片缺失，重新公示", meeting_ref="县扶贫领导小组会议〔2017〕4号")
    await driver.post_notice()  # the notice is posted anew: its 7 days run again from then
    again = await driver.until(lambda s: s.stage == "notice" and s.current_notice() is not None and s.current_notice().window_no == 2)
    assert again.current_notice().closes_at - again.current_notice().opened_at >= timedelta(days=7)
    await driver.pass_notice()
    # township review runs again too
    await driver.township(meeting="M-11")
    assert (await driver.county()).status == "exited"


async def test_reject_at_verification_is_terminal(driver, household, small_store):
    await driver.open(household)
    await driver.decide("verification", WT, outcome="reject", note="入户核实发现家庭收入虚报")
    final = await driver.until(lambda s: s.status == "rejected")
    assert "入户核实发现家庭收入虚报" in final.outcome_reason
    assert final.awaiting == []
    assert small_store.status_changes(household) == []
    result = await driver.client.get_workflow_handle(driver.case_id, result_type=CaseOutcome).result()
    assert result.status == "rejected" and "虚报" in result.reason
