"""贫困户纳入 (新增 / 返贫) as its own procedure, end to end on the time-skipping server:

    "对贫困人口实行动态管理,对稳定达到脱贫标准的要及时退出,新增贫困人口和返贫人口要及时纳入扶贫范围" (二.1)
    "不得合并步骤,不得简化程序" (二.3)

民主评议 (the reason recorded) → 村内公示 7 days with objections → 审核上报 (township secretary and head,
at a meeting) → 批准纳入 (county leading group, secretary and head, at a meeting) → the registry write,
on the completed case's authority. One village official can neither enrol a household alone nor,
later, exit it alone; the old one-signature commands refuse, naming the procedure."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from activities.registry import supervision as registry
from activities.registry.case_heads import final_heads
from activities.registry.plan_queries import read_plan_facts
from activities.registry.schema import Household
from domain.dossier import verify_dossier
from starters import supervision
from starters.dossier_commands import export_dossier
from starters.dossier_html import render_html
from starters.supervision_commands import reenter
from tests.support.driver import CG, CH, CS, TH, TS, VS, WT, enrollment_appraisal, refused
from tests.supervision.conftest import VILLAGE, exit_household, household
from workers.trust import read_root

RETURNED = household(11)
TOWNSHIP_MEETING = "长校镇党委会议纪要〔2018〕5号"
COUNTY_MEETING = "县委常委会〔2018〕7号"


@pytest.fixture
def evidence_file(tmp_path: Path) -> Path:
    path = tmp_path / "核查表.pdf"
    path.write_bytes("2018年因病返贫：住院费用4.2万元".encode())
    return path


def _tally(store, year: int) -> int:
    facts = read_plan_facts(store)
    return sum(t.persons for t in facts.actual.households if t.township_id == "changxiao" and t.year == year)


def _status(store, hid: str) -> str:
    with store.session() as s:
        return s.get(Household, hid).status


def _changes(store, hid: str) -> list[tuple[str, str, str]]:
    return [(c.case_id, c.from_status, c.to_status) for c in store.status_changes(hid)]


async def _through_notice(driver) -> None:
    await driver.post_notice()  # the village records the posting: the 7 days run from it
    await driver.until(lambda s: s.stage == "notice" and s.current_notice() is not None)
    await driver.pass_notice()


async def test_a_returned_household_is_enrolled_by_the_procedure_and_no_one_official_does_it_alone(
    sv_driver, sv_store, evidence_file: Path
) -> None:
    await exit_household(sv_driver, RETURNED, 2017)
    persons_2017 = _tally(sv_store, 2017)

    # the old one-signature command refuses, naming the procedure; nothing changes
    result = CliRunner().invoke(reenter, [RETURNED, "--reason", "因病返贫", "--evidence", str(evidence_file), "--as", VS])
    assert result.exit_code == 1 and "withdrawn" in result.output
    assert "tuopin open enrollment HOUSEHOLD --year Y --reason returned" in result.output
    assert _status(sv_store, RETURNED) == "exited"

    # refused openings: the wrong reason for an exited household, the work team, no such household
    sv_driver.working_year(2018)
    says = await refused(sv_driver.open_unit("enrollment", RETURNED, 2018, enrollment_appraisal("newly-poor")))
    assert "EnrollmentRefused" in says and "returned household" in says
    says = await refused(sv_driver.open_unit("enrollment", RETURNED, 2018, enrollment_appraisal("returned", WT)))
    assert "WrongRole" in says
    says = await refused(sv_driver.open_unit("enrollment", f"{VILLAGE}-nobody", 2018, enrollment_appraisal("returned")))
    assert "UnitNotFound" in says
    assert _status(sv_store, RETURNED) == "exited"

    # 民主评议 by the village secretary: the reason is signed with the record
    opened = await sv_driver.open_unit("enrollment", RETURNED, 2018, enrollment_appraisal("returned"))
    assert opened.case_id == f"household-enrollment/{RETURNED}/2018" and opened.exit_type == "enrollment"
    assert opened.decisions[0].record["reason"] == "returned" and opened.criteria is None
    await sv_driver.post_notice()  # the village records the posting: the 7 days run from it
    in_notice = await sv_driver.until(lambda s: s.stage == "notice" and s.current_notice() is not None)
    assert in_notice.awaiting == []
    [posting] = sv_store.notices(sv_driver.case_id)
    assert (posting.scope_level, posting.jurisdiction_id) == ("village", VILLAGE)
    assert "2018年拟纳入贫困户公示（返贫，第1次）" in posting.body and RETURNED in posting.body
    assert "退出" not in posting.body and "SYN-" not in posting.body and "测试户主" not in posting.body

    # attack: the village secretary tries to sign every later stage alone
    assert "WrongStage" in await refused(sv_driver.decide("township_review", VS, meeting_ref=TOWNSHIP_MEETING))
    await sv_driver.pass_notice()
    assert "WrongRole" in await refused(sv_driver.decide("township_review", VS, meeting_ref=TOWNSHIP_MEETING))
    await sv_driver.decide("township_review", TS, meeting_ref=TOWNSHIP_MEETING)
    # the township secretary cannot also fill the head's signature
    assert "AlreadySigned" in await refused(sv_driver.decide("township_review", TS, meeting_ref=TOWNSHIP_MEETING))
    await sv_driver.decide("township_review", TH, meeting_ref=TOWNSHIP_MEETING)
    await sv_driver.until(lambda s: s.stage == "county_approval")
    assert "WrongRole" in await refused(sv_driver.decide("county_approval", VS, meeting_ref=COUNTY_MEETING))
    assert _status(sv_store, RETURNED) == "exited"  # nothing written before the county approves
    await sv_driver.decide("county_approval", CG, meeting_ref="县扶贫领导小组会议〔2018〕2号")
    await sv_driver.decide("county_approval", CS, meeting_ref=COUNTY_MEETING)
    await sv_driver.decide("county_approval", CH, meeting_ref=COUNTY_MEETING)
    final = await sv_driver.until(lambda s: s.status != "open")

    assert final.status == "enrolled", final.outcome_reason
    signers = {d.official_id for d in final.decisions}
    assert signers == {VS, TS, TH, CG, CS, CH}
    assert final.registry_change["to_status"] == "poor" and final.registry_change["from_status"] == "exited"
    assert final.anchors and final.anchors[-1].statement.final
    with sv_store.session() as s:
        row = s.get(Household, RETURNED)
        assert (row.status, row.exited_year, row.exited_case_id) == ("poor", None, None)
    assert _changes(sv_store, RETURNED)[-1] == (sv_driver.case_id, "exited", "poor")
    assert _tally(sv_store, 2017) == persons_2017  # the 2017 exit was real: it still counts
    listing = {r["household_id"]: r for r in registry.households_supervised(
        sv_store, supervision.supervision_policy(sv_driver.settings).buffer, supervision.today_local(), village_id=VILLAGE)}
    assert listing[RETURNED]["reentries"] == 1 and listing[RETURNED]["status"] == "poor"
    assert await sv_driver.client.get_workflow_handle(sv_driver.case_id).result() is not None
    # its dossier verifies against the administrator's root, with the final head the registry kept
    doc = await export_dossier(sv_driver.client, sv_store, sv_driver.case_id)
    root = read_root(sv_driver.settings.trust_dir)
    assert verify_dossier(doc, root, None, final_heads(sv_store, [sv_driver.case_id])) == []
    page = render_html(doc)
    assert "贫困户纳入档案" in page and "纳入年度" in page and "已纳入" in page
    # enrolled: a second enrolment is refused at its opening
    sv_driver.working_year(2019)
    says = await refused(sv_driver.open_unit("enrollment", RETURNED, 2019, enrollment_appraisal("returned")))
    assert "enrolled already" in says

    # later it exits again (2019); the village secretary who proposed it cannot exit it alone either
    await sv_driver.open(RETURNED, year=2019)
    await sv_driver.decide("verification", VS)
    assert "AlreadySigned" in await refused(sv_driver.decide("verification", VS))  # not the work team's slot too
    assert "WrongRole" in await refused(sv_driver.consent(VS))  # nor the household's consent
    assert "WrongStage" in await refused(sv_driver.decide("township_review", VS, meeting_ref=TOWNSHIP_MEETING))
    assert (await sv_driver.state()).stage == "verification" and _status(sv_store, RETURNED) == "poor"
    await sv_driver.decide("verification", WT)
    await sv_driver.consent(f"{RETURNED}-head")
    await _through_notice(sv_driver)
    await sv_driver.township()
    exited = await sv_driver.county()
    assert exited.status == "exited"
    assert [c[2] for c in _changes(sv_store, RETURNED)] == ["exited", "poor", "exited"]


def test_open_enrollment_signs_the_reason_with_the_appraisal_record(monkeypatch: pytest.MonkeyPatch) -> None:
    from starters import case_commands

    opened: list[tuple] = []
    monkeypatch.setattr(case_commands, "_open", lambda settings, as_json, exit_type, unit, year, first, **kw:
                        opened.append((exit_type, unit, year, first)))
    args = ["enrollment", RETURNED, "--year", "2018", "--as", VS, "--meeting", "村民主评议〔2018〕4号",
            "--meeting-date", "2018-03-01", "--attendance", "31", "--result", "一致同意拟纳入"]
    for bad in ([], ["--reason", "poor"]):  # the reason is required, and one of the two
        result = CliRunner().invoke(case_commands.open_, [*args, *bad])
        assert result.exit_code == 2 and "--reason" in result.output
    assert opened == []
    result = CliRunner().invoke(case_commands.open_, [*args, "--reason", "returned"])
    assert result.exit_code == 0, result.output
    [(exit_type, unit, year, first)] = opened
    assert (exit_type, unit, year, first.stage, first.official_id) == ("enrollment", RETURNED, 2018, "appraisal", VS)
    assert first.record == {"held_on": "2018-03-01", "attendance": 31, "result": "一致同意拟纳入", "reason": "returned"}
    assert first.signed_terms().evidence == first.record  # what the opener signs covers the reason


async def test_an_enrolment_started_under_another_id_or_type_is_refused(sv_driver, sv_store) -> None:
    """Attack: someone who reaches the frontend starts the enrolment workflow under an exit's id (its
    registry write would name that id), or an exit workflow as an enrolment."""
    from temporalio.client import WorkflowFailureError

    from domain.messages import OpenCaseInput

    hid = household(12)
    before = (_status(sv_store, hid), _changes(sv_store, hid))
    first = enrollment_appraisal("returned")
    for workflow_name, wid, exit_type, says in (
        ("HouseholdEnrollmentWorkflow", f"household-exit/{hid}/2018", "enrollment", "runs as household-enrollment/"),
        ("HouseholdEnrollmentWorkflow", f"household-enrollment/{hid}/2018", "household", "runs enrollment cases, not 'household'"),
        ("HouseholdExitWorkflow", f"household-exit/{hid}/2018", "enrollment", "runs household cases, not 'enrollment'"),
    ):
        inp = OpenCaseInput(exit_type=exit_type, unit_id=hid, year=2018, first_decision=first)
        with pytest.raises(WorkflowFailureError) as failure:
            await sv_driver.client.execute_workflow(workflow_name, inp, id=wid, task_queue=sv_driver.settings.task_queue)
        assert says in str(failure.value.cause), failure.value.cause
    assert (_status(sv_store, hid), _changes(sv_store, hid)) == before
