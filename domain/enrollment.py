"""动态管理 (清委办〔2017〕25号 二.1): 新增贫困人口和返贫人口要及时纳入扶贫范围 — the procedure that enrols a
newly poor household (新增) or takes a returned-to-poverty household (返贫) back in, mirroring the
household exit (三(一)) step for step, because the policy names no procedure for it and its 基本原则3
("规范操作…程序公开…让群众参与评价") asks the same openness of every decision on who is poor:

1. 民主评议 (``appraisal``): the village two committees hold the appraisal meeting and propose the
   household (the meeting's date, attendance and result are the record, as for an exit).
2. 村内公示 (``notice``): at least 7 days in the village; an objection suspends it, the village two
   committees resolve it (upheld: the enrolment is rejected; dismissed: a new full window).
3. 审核上报 (``township_review``): the township party committee and government decide at a meeting;
   the township party secretary and the township head both sign.
4. 批准 (``county_approval``): the county leading group reviews; the county party committee and
   government decide at a meeting; the county party secretary and the county head both sign.

Then the registry write (the household poor, with its figures). No household consent: the household
applies, it does not acknowledge an outcome against it. The stage table is served by the exit cases'
machinery (domain.signoff_rules, domain.notice_rules): at least six people sign an enrolment, so the
village official who proposed a household can neither enrol it alone nor, later, exit it alone.
"""

from domain.procedures import Procedure, Slot, Stage, _county_approval
from domain.roles import Level, Role

R = Role
_village_committees = (R.village_secretary, R.village_director)

ENROLLMENT = Procedure(
    exit_type="enrollment",
    unit_level=Level.household,
    title_zh="贫困户纳入（新增、返贫）",
    stages=(
        Stage(
            id="appraisal",
            title_zh="民主评议",
            phases=((Slot(key="appraisal_meeting", roles=_village_committees, level=Level.village,
                          needs_meeting=True, record="appraisal"),),),
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
            phases=((
                Slot(key="township_secretary", roles=(R.township_secretary,), level=Level.township, needs_meeting=True),
                Slot(key="township_head", roles=(R.township_head,), level=Level.township, needs_meeting=True),
            ),),
        ),
        _county_approval(),
    ),
)
