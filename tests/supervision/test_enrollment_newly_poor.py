"""A newly poor household (新增) is registered as a candidate, then enrolled by its own procedure; an
upheld objection rejects an enrolment (in a module of its own: it needs its registry's working year at
2018 and then 2019, and a working year never goes back):

    "对贫困人口实行动态管理,对稳定达到脱贫标准的要及时退出,新增贫困人口和返贫人口要及时纳入扶贫范围" (二.1)
"""

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from activities.registry.schema import Household, OfficialPost, StatusChange
from domain.reentry import NewHousehold
from starters import supervision
from starters.signer import SIGNING_TIME
from starters.supervision_commands import enroll
from tests.support.driver import VD, VS, enrollment_appraisal, refused
from tests.supervision.conftest import VILLAGE
from tests.supervision.test_enrollment import TOWNSHIP_MEETING, _changes, _status


@pytest.fixture
def evidence_file(tmp_path: Path) -> Path:
    path = tmp_path / "核查表.pdf"
    path.write_bytes("2018年房屋倒塌致贫".encode())
    return path


async def test_a_newly_poor_household_is_registered_then_enrolled_and_an_upheld_objection_rejects_it(
    sv_driver, sv_store, evidence_file: Path
) -> None:
    new_id = f"{VILLAGE}-n101"
    # the old one-signature command refuses, naming the two steps
    result = CliRunner().invoke(enroll, [new_id, "--village", VILLAGE, "--members", "4", "--as", VD])
    assert result.exit_code == 1 and "tuopin registry register" in result.output and "tuopin open enrollment" in result.output
    with sv_store.session() as s:
        assert s.get(Household, new_id) is None

    SIGNING_TIME.set(None)  # a registration is checked by the registry, at the wall clock
    new = NewHousehold(village_id=VILLAGE, members=4, head_name="新增户主", per_capita_income={2018: "2500"},
                       lacking=("safe_housing",))
    record = supervision.register(sv_driver.settings, new_id, new, "房屋倒塌致贫", evidence_file, VD)
    assert record.status == "candidate" and record.reentry_id == f"register/{new_id}"
    assert _status(sv_store, new_id) == "candidate"  # registered, not poor: nobody enrolled it
    assert _changes(sv_store, new_id) == [(f"register/{new_id}", "unregistered", "candidate")]

    # a candidate is not poor: no exit opens for it, and an enrolment must say newly-poor
    sv_driver.working_year(2018)
    says = await refused(sv_driver.open(new_id, year=2018))
    assert "CriteriaNotMet" in says
    says = await refused(sv_driver.open_unit("enrollment", new_id, 2018, enrollment_appraisal("returned")))
    assert "EnrollmentRefused" in says and "'candidate'" in says

    # 2018: an objection upheld by the village committees rejects the enrolment; the registry is unchanged
    await sv_driver.open_unit("enrollment", new_id, 2018, enrollment_appraisal("newly-poor", VD))
    await sv_driver.post_notice()  # the village records the posting: the 7 days run from it
    notice = await sv_driver.until(lambda s: s.stage == "notice" and s.current_notice() is not None)
    assert "（新识别，第1次）" in sv_store.notices(sv_driver.case_id)[0].body
    objection = (await sv_driver.object(reason="该户有稳定务工收入")).objection_id
    await sv_driver.resolve(objection, "uphold", official=VS, finding="经入户核实，家庭人均收入高于标准")
    rejected = await sv_driver.until(lambda s: s.status != "open")
    assert rejected.status == "rejected" and rejected.registry_change is None and notice.notices
    assert _status(sv_store, new_id) == "candidate"
    assert [c[2] for c in _changes(sv_store, new_id)] == ["candidate"]

    # 2019: proposed again, a dismissed objection gives a new full window, then review and approval
    sv_driver.working_year(2019)
    await sv_driver.open_unit("enrollment", new_id, 2019, enrollment_appraisal("newly-poor", VD, date(2019, 3, 1)))
    await sv_driver.post_notice()  # the village records the posting: the 7 days run from it
    await sv_driver.until(lambda s: s.stage == "notice" and s.current_notice() is not None)
    objection = (await sv_driver.object(reason="不了解情况")).objection_id
    await sv_driver.resolve(objection, "dismiss", official=VS)
    await sv_driver.until(lambda s: len(s.notices) == 2 and s.current_notice() is not None)
    await sv_driver.pass_notice()
    await sv_driver.township(meeting=TOWNSHIP_MEETING)
    final = await sv_driver.county()
    assert final.status == "enrolled", final.outcome_reason
    assert _status(sv_store, new_id) == "poor"
    assert _changes(sv_store, new_id)[-1] == (sv_driver.case_id, "candidate", "poor")
    with sv_store.session() as s:
        assert s.get(OfficialPost, f"{new_id}-head").role == "household_head"
        change = s.scalars(select(StatusChange).where(StatusChange.case_id == sv_driver.case_id)).one()
        assert (change.year, change.unit_type, change.from_status) == (2019, "household", "candidate")
