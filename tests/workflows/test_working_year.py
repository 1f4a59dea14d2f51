"""Cases open only for the registry's working year, on figures of that year; a missing figure refuses
the opening naming it and the year.

清委办〔2017〕25号 二.1 "确保贫困退出反映客观实际、经得起检验" and 二.3 "数据准确": a village processed in
2018 cannot be recorded as a 2017 exit (and earn 2017's early-exit bonus), and a 2018 criterion is
not met with 2017's figures.
"""

from sqlalchemy import delete

from activities.registry.schema import UnitStatistic
from domain import indicators as ind
from tests.support.driver import appraisal, refused
from tests.support.small_registry import OTHER_VILLAGE, VILLAGE
from tests.support.unit_cases import survey


async def test_an_exit_cannot_be_back_dated_nor_forward_dated(unit_driver):
    driver = unit_driver
    driver.working_year(2018)
    back = await refused(driver.open_unit("village", VILLAGE, 2017, survey(), "poor"))
    assert "NotWorkingYear" in back and "working year 2018, not 2017" in back
    ahead = await refused(driver.open(f"{VILLAGE}-e001", year=2019, first=appraisal()))
    assert "NotWorkingYear" in ahead and "working year 2018, not 2019" in ahead


async def test_the_criteria_report_names_the_year_whose_figures_it_compares(unit_driver):
    driver = unit_driver
    driver.working_year(2019)  # (a case id no other test on this server uses: the server is shared)
    opened = await driver.open_unit("village", VILLAGE, 2019, survey(), "hollow")
    assert opened.criteria.met and opened.criteria.year == 2019
    for name in ("rural_income_per_capita", "county_average_income", "province_average_income", "collective_income"):
        assert opened.facts[name]["year"] == 2019, name


async def test_a_missing_figure_of_the_year_refuses_the_opening_naming_it(unit_driver):
    driver = unit_driver
    driver.working_year(2018)
    with driver.store.session() as s:
        s.execute(delete(UnitStatistic).where(
            UnitStatistic.unit_id == OTHER_VILLAGE, UnitStatistic.year == 2018,
            UnitStatistic.indicator.in_((ind.RURAL_POPULATION, ind.COLLECTIVE_INCOME)),
        ))
    reason = await refused(driver.open_unit("village", OTHER_VILLAGE, 2018, survey(), "poor"))
    assert "FiguresMissing" in reason and "no figure for 2018" in reason
    assert f"rural_population of {OTHER_VILLAGE}" in reason and f"collective_income of {OTHER_VILLAGE}" in reason
