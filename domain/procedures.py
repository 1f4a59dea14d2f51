"""The step tables of the four exit procedures, 清委办〔2017〕25号 三(一)–三(四), and of the enrolment of a
household (新增 / 返贫, domain/enrollment.py): who signs each step, in which order, at which level
(docs/policy-trace.md, section 1, maps each step to its clause).

Each stage is a sequence of phases; a phase is a set of sign-off slots that may be filled in any
order, and the next phase opens only when every slot of the one before is filled. A notice stage
is the 公示 window instead. Nothing here may be merged or skipped: the workflow walks the table.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.roles import Level, Role

ExitType = Literal["household", "village", "township", "county"]
RecordKind = Literal["appraisal", "enrollment_appraisal", "survey", "application", "indicator_findings"]


class Slot(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    roles: tuple[Role, ...]
    level: Level
    kind: Literal["sign", "consent"] = "sign"
    needs_meeting: bool = False  # 集体研究: the decision cites the meeting's minutes
    # stage data this signature records (first stages); where two slots of a stage name the same kind,
    # the first to sign records it and the other signs that record without giving one of its own
    record: RecordKind | None = None


class Stage(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title_zh: str
    kind: Literal["signoff", "notice"] = "signoff"
    phases: tuple[tuple[Slot, ...], ...] = ()
    notice_scopes: tuple[Level, ...] = ()  # where the list is posted
    resolver_roles: tuple[Role, ...] = ()  # who investigates objections
    resolver_level: Level | None = None

    def slots(self) -> list[Slot]:
        return [slot for phase in self.phases for slot in phase]

    def record_kind(self) -> "RecordKind | None":
        return next((slot.record for slot in self.slots() if slot.record), None)


class Procedure(BaseModel):
    model_config = ConfigDict(frozen=True)

    exit_type: ExitType | Literal["enrollment"]  # enrollment: domain/enrollment.py (新增 / 返贫)
    unit_level: Level
    title_zh: str
    stages: tuple[Stage, ...]

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def index(self, stage_id: str) -> int:
        return [s.id for s in self.stages].index(stage_id)

    def stage_ids(self) -> list[str]:
        return [s.id for s in self.stages]

    def stages_accepting(self, kind: str) -> list[str]:
        """The stages where a consent (a consent slot) or a resolution (a notice) can be given."""
        if kind == "consent":
            return [s.id for s in self.stages if any(slot.kind == "consent" for slot in s.slots())]
        if kind == "resolution":
            return [s.id for s in self.stages if s.kind == "notice"]
        raise ValueError(f"no stage accepts a {kind!r}")


R = Role
_village_committees = (R.village_secretary, R.village_director)
_township_leaders = (R.township_secretary, R.township_head)


def _county_approval(title_zh: str = "批准退出") -> Stage:
    # 经县精准扶贫领导小组审查后 ... 县党委、政府集体研究, 县委书记、县长签字确认
    return Stage(
        id="county_approval",
        title_zh=title_zh,
        phases=(
            (Slot(key="county_group", roles=(R.county_group,), level=Level.county, needs_meeting=True),),
            (
                Slot(key="county_secretary", roles=(R.county_secretary,), level=Level.county, needs_meeting=True),
                Slot(key="county_head", roles=(R.county_head,), level=Level.county, needs_meeting=True),
            ),
        ),
    )


HOUSEHOLD = Procedure(
    exit_type="household",
    unit_level=Level.household,
    title_zh="贫困户退出",
    stages=(
        Stage(
            id="appraisal",
            title_zh="民主评议",
            phases=(
                (
                    Slot(
                        key="appraisal_meeting",
                        roles=_village_committees,
                        level=Level.village,
                        needs_meeting=True,
                        record="appraisal",
                    ),
                ),
            ),
        ),
        Stage(
            id="verification",
            title_zh="核实认可",
            phases=(
                (
                    Slot(key="village_committees", roles=_village_committees, level=Level.village),
                    Slot(key="work_team", roles=(R.work_team,), level=Level.village),
                ),
                (Slot(key="household_consent", roles=(R.household_head,), level=Level.household, kind="consent"),),
            ),
        ),
        Stage(
            id="notice",
            title_zh="村内公示",
            kind="notice",
            notice_scopes=(Level.village,),
            resolver_roles=_village_committees,
            resolver_level=Level.village,
        ),
        Stage(
            id="township_review",
            title_zh="审核上报",
            phases=(
                (
                    Slot(key="township_secretary", roles=(R.township_secretary,), level=Level.township, needs_meeting=True),
                    Slot(key="township_head", roles=(R.township_head,), level=Level.township, needs_meeting=True),
                ),
            ),
        ),
        _county_approval(),
    ),
)

VILLAGE = Procedure(
    exit_type="village",
    unit_level=Level.village,
    title_zh="贫困村（空壳村）退出",
    stages=(
        Stage(
            id="survey",
            title_zh="调查核实",
            # 乡镇党委、政府 ... 组织相关部门入村调查、摸底核实, 提出拟退出村名单; 四.3: 乡镇要召开党政班子成员
            # 会议 ... 集体研究, 并由党政主要领导签字确认: the township's party secretary and its head both sign,
            # citing the one meeting; the first of them records the survey, the other signs the same decision.
            phases=(
                (
                    Slot(key="township_secretary", roles=(R.township_secretary,), level=Level.township,
                         needs_meeting=True, record="survey"),
                    Slot(key="township_head", roles=(R.township_head,), level=Level.township,
                         needs_meeting=True, record="survey"),
                ),
            ),
        ),
        Stage(
            id="notice",
            title_zh="公示公告",
            kind="notice",
            notice_scopes=(Level.township, Level.village),  # 在乡镇和所在村内公示
            resolver_roles=_township_leaders,
            resolver_level=Level.township,
        ),
        _county_approval(),
    ),
)

TOWNSHIP = Procedure(
    exit_type="township",
    unit_level=Level.township,
    title_zh="重点乡退出",
    stages=(
        Stage(
            id="application",
            title_zh="乡申请",
            # 乡镇要召开党政班子成员会议: the application cites that meeting
            phases=(
                (
                    Slot(
                        key="township_application",
                        roles=(R.township_head,),
                        level=Level.township,
                        needs_meeting=True,
                        record="application",
                    ),
                ),
            ),
        ),
        Stage(
            id="county_assessment",
            title_zh="县初评",
            phases=(
                (
                    Slot(
                        key="county_group",
                        roles=(R.county_group,),
                        level=Level.county,
                        needs_meeting=True,
                        record="indicator_findings",
                    ),
                ),
            ),
        ),
        Stage(
            id="city_review",
            title_zh="市审核（确定名单）",
            phases=((Slot(key="city_group", roles=(R.city_group,), level=Level.city, needs_meeting=True),),),
        ),
        Stage(
            id="notice",
            title_zh="向社会公示",
            kind="notice",
            notice_scopes=(Level.city,),
            resolver_roles=(R.city_group,),
            resolver_level=Level.city,
        ),
        Stage(
            id="city_approval",
            title_zh="市委、市政府批准",
            phases=(
                (
                    Slot(key="city_secretary", roles=(R.city_secretary,), level=Level.city, needs_meeting=True),
                    Slot(key="city_mayor", roles=(R.city_mayor,), level=Level.city, needs_meeting=True),
                ),
            ),
        ),
    ),
)

COUNTY = Procedure(
    exit_type="county",
    unit_level=Level.county,
    title_zh="重点县退出",
    stages=(
        Stage(
            id="application",
            title_zh="县申请",
            phases=((Slot(key="county_application", roles=(R.county_group,), level=Level.county, needs_meeting=True, record="application"),),),
        ),
        Stage(
            id="city_assessment",
            title_zh="市初评",
            phases=(
                (
                    Slot(
                        key="city_group",
                        roles=(R.city_group,),
                        level=Level.city,
                        needs_meeting=True,
                        record="indicator_findings",
                    ),
                ),
            ),
        ),
        Stage(
            id="city_endorsement",
            title_zh="市委、市政府审核后申请",
            phases=(
                (
                    Slot(key="city_secretary", roles=(R.city_secretary,), level=Level.city, needs_meeting=True),
                    Slot(key="city_mayor", roles=(R.city_mayor,), level=Level.city, needs_meeting=True),
                ),
            ),
        ),
        Stage(
            id="province_approval",
            title_zh="省批准",
            phases=((Slot(key="province_group", roles=(R.province_group,), level=Level.province, needs_meeting=True),),),
        ),
    ),
)

# 贫困户纳入 (新增 / 返贫): the household exit mirrored, without consent (domain/enrollment.py says why).
# Its 民主评议 records which of the two the household is (EnrollmentAppraisalRecord's reason).
ENROLLMENT = Procedure(
    exit_type="enrollment",
    unit_level=Level.household,
    title_zh="贫困户纳入（新增、返贫）",
    stages=(
        Stage(
            id="appraisal",
            title_zh="民主评议",
            phases=((Slot(key="appraisal_meeting", roles=_village_committees, level=Level.village,
                          needs_meeting=True, record="enrollment_appraisal"),),),
        ),
        HOUSEHOLD.stage("notice"),
        HOUSEHOLD.stage("township_review"),
        _county_approval("批准纳入"),
    ),
)

# Every procedure a case runs, by its type (a case id's prefix: domain/case_ids.py).
PROCEDURES: dict[str, Procedure] = {
    "household": HOUSEHOLD, "village": VILLAGE, "township": TOWNSHIP, "county": COUNTY, "enrollment": ENROLLMENT,
}
