"""动态管理 (清委办〔2017〕25号 二.1): 新增贫困人口和返贫人口要及时纳入扶贫范围 — the procedure that enrols a
newly poor household (新增, ``newly-poor``) or takes a returned-to-poverty household (返贫, ``returned``)
back in, mirroring the household exit (三(一)) step for step, because the policy names no procedure for
it and its 基本原则3 ("规范操作…程序公开…让群众参与评价") asks the same openness of every decision on who is
poor:

1. 民主评议 (``appraisal``): the village two committees hold the appraisal meeting and propose the
   household (the meeting's date, attendance and result are the record, as for an exit, and the
   reason: newly poor or returned).
2. 村内公示 (``notice``): at least 7 days in the village; an objection suspends it, the village two
   committees resolve it (upheld: the enrolment is rejected; dismissed: a new full window).
3. 审核上报 (``township_review``): the township party committee and government decide at a meeting;
   the township party secretary and the township head both sign.
4. 批准 (``county_approval``): the county leading group reviews; the county party committee and
   government decide at a meeting; the county party secretary and the county head both sign.

Then the registry write (the household poor), on the completed case's authority. No household
consent: the household applies, it does not acknowledge an outcome against it. The stage table
(domain.procedures.ENROLLMENT, beside the exits' tables) is served by the exit cases' machinery
(domain.signoff_rules, domain.notice_rules): at least six people sign an enrolment, so the village
official who proposed a household can neither enrol it alone nor, later, exit it alone.

Pure: which registry status each reason starts from, and the opening's check.
"""

from typing import Any, Literal

from domain.procedures import ENROLLMENT
from domain.refusals import Refusal

__all__ = ["ENROLLMENT", "EnrollmentReason", "EnrollmentRefused", "REASON_ZH", "STATUS_BEFORE", "check_opening",
           "reason_of"]

EnrollmentReason = Literal["newly-poor", "returned"]
REASON_ZH: dict[str, str] = {"newly-poor": "新识别", "returned": "返贫"}
# The registry status a household has before each kind of enrolment: a newly poor household is first
# registered as a candidate (`tuopin registry register`), a returned one has exited.
STATUS_BEFORE: dict[str, str] = {"newly-poor": "candidate", "returned": "exited"}
ENROLLED = "poor"


class EnrollmentRefused(Refusal):
    """The household cannot be enrolled as asked (already enrolled, or not what the reason says)."""


def check_opening(household_id: str, reason: str, status: str) -> None:
    """The reason the appraisal recorded must be what the registry shows: a returned household has
    exited, a newly poor one is a registered candidate; a poor household is enrolled already."""
    if status == ENROLLED:
        raise EnrollmentRefused(f"household {household_id} is enrolled already (registry status 'poor')")
    wanted = STATUS_BEFORE.get(reason)
    if wanted is None:
        raise EnrollmentRefused(f"unknown enrolment reason {reason!r} (newly-poor or returned)")
    if status != wanted:
        other = {v: k for k, v in STATUS_BEFORE.items()}.get(status)
        hint = f"; its status is that of a {other} household" if other else ""
        raise EnrollmentRefused(
            f"household {household_id} is {status!r} in the registry, not {wanted!r}: a {reason} household "
            f"must be {wanted!r}{hint}"
        )


def reason_of(opening_record: dict[str, Any] | None) -> str:
    """The reason the opening's 民主评议 recorded (and its opener signed)."""
    return str((opening_record or {}).get("reason", ""))
