"""The household exit from 民主评议 to 销号 on the time-skipping server, checked stage by stage."""

from datetime import timedelta

from activities.registry.schema import Household
from tests.support.driver import CG, CH, CS, TH, TS, VD, VS, WT


async def test_household_exits_through_every_stage_in_order(driver, household, small_store):
    opened = await driver.open(household)
    assert opened.case_id == f"household-exit/{household}/2017"
    assert opened.stage == "verification" and opened.status == "open"
    assert opened.criteria is not None and opened.criteria.met
    assert opened.facts["household_id"] == household  # frozen at opening
    assert {(a.role, a.jurisdiction) for a in opened.awaiting} == {
        ("village_secretary", "changxiao-hepai"), ("village_director", "changxiao-hepai"), ("work_team", "changxiao-hepai"),
    }

    await driver.decide("verification", VD)
    after_one = await driver.state()
    assert [(a.role) for a in after_one.awaiting] == ["work_team"]
    await driver.decide("verification", WT)
    after_two = await driver.state()
    assert [(a.role, a.jurisdiction) for a in after_two.awaiting] == [("household_head", household)]
    await driver.consent(f"{household}-head")

    # issued, the notice waits for its posting, recorded by the village (the 7 days run from it)
    issued = await driver.until(lambda s: s.stage == "notice" and s.notice_issued_at is not None)
    assert issued.current_notice() is None
    assert {(a.role, a.jurisdiction) for a in issued.awaiting} == {
        ("village_secretary", "changxiao-hepai"), ("village_director", "changxiao-hepai")}
    await driver.env.sleep(timedelta(days=10))
    assert (await driver.state()).stage == "notice", "no notice passes before it is posted"
    await driver.post_notice()
    in_notice = await driver.until(lambda s: s.stage == "notice" and s.current_notice() is not None)
    window = in_notice.current_notice()
    assert window.closes_at - window.opened_at >= timedelta(days=7)
    assert in_notice.awaiting == []  # only the timer
    postings = small_store.notices(driver.case_id)
    assert [(p.scope_level, p.jurisdiction_id) for p in postings] == [("village", "changxiao-hepai")]
    with small_store.session() as s:
        head_name = s.get(Household, household).head_name
    assert head_name in postings[0].body and "SYN-" not in postings[0].body and "村委会公示栏" in postings[0].body

    await driver.env.sleep(timedelta(days=6))
    still = await driver.state()
    assert still.stage == "notice", "the notice must not close before 7 days"

    after_notice = await driver.pass_notice()
    assert after_notice.notices[-1].outcome == "passed"
    assert {(a.role) for a in after_notice.awaiting} == {"township_secretary", "township_head"}

    at_county = await driver.township()
    assert [a.role for a in at_county.awaiting] == ["county_group"]
    final = await driver.county()

    assert final.status == "exited" and final.stage == "county_approval"
    assert [d.stage for d in final.decisions] == [
        "appraisal", "verification", "verification", "verification", "notice",
        "township_review", "township_review", "county_approval", "county_approval", "county_approval",
    ]
    assert [d.official_id for d in final.decisions][:1] == [VS]
    assert {(a.level, a.jurisdiction_id) for a in final.announcements} == {("township", "changxiao"), ("village", "changxiao-hepai")}
    assert final.registry_change["to_status"] == "exited"
    with small_store.session() as s:
        row = s.get(Household, household)
        assert (row.status, row.exited_case_id, row.exited_year) == ("exited", driver.case_id, 2017)
    assert [c.to_status for c in small_store.status_changes(household)] == ["exited"]
    assert await driver.client.get_workflow_handle(driver.case_id).result() is not None
    assert {d.official_id for d in final.decisions} >= {VS, VD, WT, TS, TH, CG, CS, CH}


async def test_village_director_may_record_the_appraisal(driver, household):
    opened = await driver.open(household, first=__import__("tests.support.driver", fromlist=["appraisal"]).appraisal(official=VD))
    assert opened.decisions[0].role == "village_director"


async def test_progress_tells_the_stage_and_status_without_the_record(driver, household):
    from starters import cases

    await driver.open(household)
    progress = await cases.progress(driver.client, driver.case_id)
    state = await driver.state()
    assert (progress.case_id, progress.stage, progress.status, progress.ready) == (
        state.case_id, "verification", "open", True,
    )
    await driver.verify(household)
    assert (await cases.progress(driver.client, driver.case_id)).stage == "notice"
