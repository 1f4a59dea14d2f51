"""Builders for the pure domain tests: one village's roster, a fresh household case, and helpers.

Test modules import the plain helpers with ``from .conftest import ...``; the fixtures wrap them.
Nothing here touches Temporal, the registry or the clock: every time is passed in explicitly.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.case import CaseState, DecisionRecord
from domain.messages import ConsentCommand, DecisionCommand
from domain.notice_calendar import NoticeRule
from domain.notice_rules import close_window, open_window
from domain.officials import Official, Roster
from domain.procedures import HOUSEHOLD
from domain.refusals import Refusal
from domain.roles import Role
from domain.signoff_rules import (
    apply_consent,
    apply_decision,
    check_consent,
    check_decision,
    enter_stage,
    stage_complete,
)
from domain.units import UnitPath

SHANGHAI = ZoneInfo("Asia/Shanghai")

PROVINCE = "fujian"
CITY = "sanming"
COUNTY = "qingliu"
TOWNSHIP = "changxiao"
VILLAGE = "changxiao-hepai"
HOUSEHOLD_ID = "changxiao-hepai-h001"
HEAD = "changxiao-hepai-h001-head"

OTHER_TOWNSHIP = "linshe"
OTHER_VILLAGE = "linshe-shixia"

CASE_ID = f"household-exit/{HOUSEHOLD_ID}/2017"
OPENED_AT = datetime(2017, 5, 10, 9, 0, tzinfo=SHANGHAI)
NOW = datetime(2017, 5, 12, 10, 0, tzinfo=SHANGHAI)  # the default "now" of a decision

APPRAISAL_REF = "changxiao-hepai/民主评议/2017-05"
TOWNSHIP_REF = "长委〔2017〕60号"
COUNTY_GROUP_REF = "清扶组〔2017〕12号"
COUNTY_REF = "清委〔2017〕88号"

APPRAISAL_RECORD: dict[str, Any] = {
    "held_on": "2017-05-09",
    "attendance": 23,
    "result": "同意拟退出: 2016、2017年人均可支配收入均超过扶贫标准, 两不愁三保障均已落实",
}

UNIT_PATH = UnitPath(
    province_id=PROVINCE,
    city_id=CITY,
    county_id=COUNTY,
    township_id=TOWNSHIP,
    village_id=VILLAGE,
    household_id=HOUSEHOLD_ID,
)


def official(official_id: str, role: Role, jurisdiction_id: str, person_id: str | None = None, name: str | None = None) -> Official:
    return Official(
        official_id=official_id,
        person_id=person_id or f"p-{official_id}",
        name=name or official_id.replace("-", " ").title(),
        role=role,
        jurisdiction_id=jurisdiction_id,
    )


def build_roster(*extra: Official) -> Roster:
    """Every role for changxiao-hepai and the posts above it, plus people with two posts and outsiders.

    - ``wang-*``: one person (p-wang) holding two village posts: village director and work team.
    - ``li-*``: one person (p-li), a township cadre assigned to the village (包村干部) who is also
      township head: a post at the village level and one at the township level.
    - ``linshe-*``: officials of ANOTHER township (林畲乡) and of one of its villages.
    - ``changxiao-hepai-h002-head``: the head of another household of the same village.
    """
    officials = [
        # village 河排 (changxiao-hepai)
        official("hepai-secretary", Role.village_secretary, VILLAGE),
        official("hepai-director", Role.village_director, VILLAGE),
        official("hepai-work-team", Role.work_team, VILLAGE),
        official(HEAD, Role.household_head, HOUSEHOLD_ID, person_id="p-h001-head"),
        official("changxiao-hepai-h002-head", Role.household_head, "changxiao-hepai-h002"),
        # township 长校镇
        official("changxiao-secretary", Role.township_secretary, TOWNSHIP),
        official("changxiao-head", Role.township_head, TOWNSHIP),
        # county 清流县
        official("qingliu-group", Role.county_group, COUNTY),
        official("qingliu-secretary", Role.county_secretary, COUNTY),
        official("qingliu-head", Role.county_head, COUNTY),
        # city 三明市 and province 福建省
        official("sanming-group", Role.city_group, CITY),
        official("sanming-secretary", Role.city_secretary, CITY),
        official("sanming-mayor", Role.city_mayor, CITY),
        official("fujian-group", Role.province_group, PROVINCE),
        # one person, two village posts
        official("wang-director", Role.village_director, VILLAGE, person_id="p-wang", name="Wang Fang"),
        official("wang-work-team", Role.work_team, VILLAGE, person_id="p-wang", name="Wang Fang"),
        # one person, posts at two levels
        official("li-work-team", Role.work_team, VILLAGE, person_id="p-li", name="Li Ming"),
        official("li-township-head", Role.township_head, TOWNSHIP, person_id="p-li", name="Li Ming"),
        # another township (林畲乡) and one of its villages
        official("linshe-secretary", Role.township_secretary, OTHER_TOWNSHIP),
        official("linshe-head", Role.township_head, OTHER_TOWNSHIP),
        official("shixia-secretary", Role.village_secretary, OTHER_VILLAGE),
        official("shixia-work-team", Role.work_team, OTHER_VILLAGE),
    ]
    return Roster(officials=tuple(officials) + tuple(extra))


def new_case(notice_rule: NoticeRule | None = None) -> CaseState:
    """A fresh household case, open, entered at its first stage the way the workflow does it."""
    case = CaseState(
        case_id=CASE_ID,
        exit_type="household",
        unit_id=HOUSEHOLD_ID,
        year=2017,
        status="open",
        ready=True,  # loaded: the workflow has frozen its data and may take messages
        stage="appraisal",
        opened_by="hepai-secretary",
        opened_at=OPENED_AT,
        unit_path=UNIT_PATH,
        notice_rule=notice_rule or NoticeRule(),
    )
    enter_stage(case, "appraisal")
    return case


# -- commands -----------------------------------------------------------------------------------


RETURN_MEETING = "党政班子会议纪要〔2017〕21号"


def decision(stage: str, official_id: str, outcome: str = "approve", **fields: Any) -> DecisionCommand:
    """A decision; a return or a reject cites a meeting (集体研究) unless the test gives meeting_ref."""
    if outcome in ("return", "reject"):
        fields.setdefault("meeting_ref", RETURN_MEETING)
    return DecisionCommand(stage=stage, outcome=outcome, official_id=official_id, **fields)


def approve(case: CaseState, roster: Roster, stage: str, official_id: str, now: datetime = NOW, **fields: Any) -> DecisionRecord:
    return apply_decision(case, HOUSEHOLD, roster, decision(stage, official_id, **fields), now)


def consent(case: CaseState, roster: Roster, official_id: str = HEAD, now: datetime = NOW) -> DecisionRecord:
    return apply_consent(case, HOUSEHOLD, roster, ConsentCommand(official_id=official_id), now)


# -- refusals -----------------------------------------------------------------------------------


def refused(case: CaseState, refusal: type[Refusal], action: Callable[[], Any], *words: str) -> Refusal:
    """`action` raises exactly `refusal`, its message names every word, and the case is unchanged."""
    before = case.model_dump()
    with pytest.raises(refusal) as info:
        action()
    assert type(info.value) is refusal, f"expected {refusal.__name__}, got {type(info.value).__name__}: {info.value}"
    assert case.model_dump() == before, "a refused message changed the case"
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in refusal message {message!r}"
    return info.value


def refused_decision(case: CaseState, roster: Roster, cmd: DecisionCommand, refusal: type[Refusal], *words: str, now: datetime = NOW) -> Refusal:
    """Both the validator (check_decision) and the handler (apply_decision) refuse, alike."""
    refused(case, refusal, lambda: check_decision(case, HOUSEHOLD, roster, cmd, now), *words)
    return refused(case, refusal, lambda: apply_decision(case, HOUSEHOLD, roster, cmd, now), *words)


def refused_consent(case: CaseState, roster: Roster, official_id: str, refusal: type[Refusal], *words: str, now: datetime = NOW) -> Refusal:
    cmd = ConsentCommand(official_id=official_id)
    refused(case, refusal, lambda: check_consent(case, HOUSEHOLD, roster, cmd), *words)
    return refused(case, refusal, lambda: apply_consent(case, HOUSEHOLD, roster, cmd, now), *words)


# -- walking the HOUSEHOLD procedure ----------------------------------------------------------------


def do_appraisal(case: CaseState, roster: Roster, by: str = "hepai-secretary", now: datetime = NOW) -> None:
    approve(case, roster, "appraisal", by, now, meeting_ref=APPRAISAL_REF, record=dict(APPRAISAL_RECORD))


def do_verification(case: CaseState, roster: Roster, committee: str = "hepai-director", team: str = "hepai-work-team", now: datetime = NOW) -> None:
    approve(case, roster, "verification", committee, now)
    approve(case, roster, "verification", team, now)
    consent(case, roster, HEAD, now)


def do_notice(case: CaseState, now: datetime = NOW) -> None:
    """A window that ran its course without objection."""
    window = open_window(case, HOUSEHOLD.stage("notice"), now)
    close_window(case, "passed", window.closes_at)


def do_township_review(case: CaseState, roster: Roster, ref: str = TOWNSHIP_REF, now: datetime = NOW) -> None:
    approve(case, roster, "township_review", "changxiao-secretary", now, meeting_ref=ref)
    approve(case, roster, "township_review", "changxiao-head", now, meeting_ref=ref)


def do_county_approval(case: CaseState, roster: Roster, now: datetime = NOW) -> None:
    approve(case, roster, "county_approval", "qingliu-group", now, meeting_ref=COUNTY_GROUP_REF)
    approve(case, roster, "county_approval", "qingliu-secretary", now, meeting_ref=COUNTY_REF)
    approve(case, roster, "county_approval", "qingliu-head", now, meeting_ref=COUNTY_REF)


_STEPS: dict[str, Callable[[CaseState, Roster], None]] = {
    "appraisal": do_appraisal,
    "verification": do_verification,
    "notice": lambda case, roster: do_notice(case),
    "township_review": do_township_review,
    "county_approval": do_county_approval,
}


def walk_to(case: CaseState, roster: Roster, stage_id: str) -> CaseState:
    """Runs every stage before `stage_id` to completion (as the workflow would) and enters `stage_id`."""
    for stage in HOUSEHOLD.stages:
        if case.stage != stage.id:
            enter_stage(case, stage.id)
        if stage.id == stage_id:
            return case
        _STEPS[stage.id](case, roster)
        if stage.kind == "signoff":
            assert stage_complete(case, stage), f"walk_to: stage {stage.id} did not complete"
    raise AssertionError(f"no stage {stage_id!r}")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def roster() -> Roster:
    return build_roster()


@pytest.fixture
def case() -> CaseState:
    return new_case()
