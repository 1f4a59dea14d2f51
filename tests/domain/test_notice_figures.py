"""三(一) 年人均可支配收入稳定超过扶贫标准 and 三(一)2 并在村内公示不少于7天: the notice shows the figures the
exit rests on, the incomes of the years the criteria checked (the exit year and the year before), so
the villagers check those; never the registry's incomes of other years (a 2017 exit showing 2018's)."""

from decimal import Decimal

from domain.criteria.report import CriteriaReport, CriterionCheck
from domain.notice_content import NoticeParticulars, checked_income_years
from domain.notice_text import notice_body

from .conftest import new_case

INCOMES = {"2015": "2485.70", "2016": "4168.14", "2017": "5306.32", "2018": "5559.14"}
LINES = {2015: Decimal("2968"), 2016: Decimal("3146"), 2017: Decimal("3335"), 2018: Decimal("3535")}


def _noticed_case():
    case = new_case()
    case.facts = {"per_capita_income": INCOMES, "guarantees": {"food_and_clothing": True, "compulsory_education": True,
                                                              "basic_medical_care": True, "safe_housing": True}}
    case.criteria = CriteriaReport(checks=(
        CriterionCheck(name="registered_poor", met=True, detail="poor"),
        CriterionCheck(name="income_2017", met=True, detail="above"),
        CriterionCheck(name="income_2016", met=True, detail="above"),
    ))
    case.notice_particulars = NoticeParticulars(unit_name="测试户主", village_group="第三村民小组", household_size=3,
                                                poverty_lines=LINES)
    return case


def test_the_notice_shows_the_incomes_of_the_years_checked_and_no_other():
    body = notice_body(_noticed_case(), None)
    assert "2017年人均可支配收入：5306.32 元，高于当年扶贫标准 3335 元" in body
    assert "2016年人均可支配收入：4168.14 元，高于当年扶贫标准 3146 元" in body
    assert "2015年" not in body and "2018年" not in body and "未高于" not in body


def test_without_income_checks_only_the_exit_year_is_shown():
    assert checked_income_years(None, 2017) == {2017}
    case = _noticed_case()
    case.criteria = None
    body = notice_body(case, None)
    assert "2017年人均可支配收入" in body and "2016年人均可支配收入" not in body
