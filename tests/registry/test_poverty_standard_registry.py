"""The registry's 国定 flag reaches the case: 附件1 "其中国定" (715 of the 1,780 persons planned for 2017)
is seeded onto households, and each household's facts say under which standard it was identified
(清委办〔2017〕25号 三(一) "年人均可支配收入稳定超过扶贫标准")."""

from sqlalchemy import func, select

from activities.registry.demo_seed import seed_demo
from activities.registry.schema import Household
from activities.registry.store import RegistryStore
from domain.criteria.household import evaluate_household
from workers.policy_loader import load_policy
from workers.settings import PROJECT_ROOT


def test_household_facts_carry_the_standard_and_the_report_the_line_applied(tmp_path):
    store = RegistryStore.from_url(f"sqlite:///{tmp_path / 'r.db'}")
    seed_demo(store)
    with store.session() as s:
        national = s.scalar(select(func.sum(Household.members)).where(
            Household.planned_exit_year == 2017, Household.nationally_defined.is_(True)))
        guoding = s.scalars(select(Household.id).where(Household.nationally_defined.is_(True)).limit(1)).one()
        shengding = s.scalars(select(Household.id).where(Household.nationally_defined.is_(False)).limit(1)).one()
    assert national == 715
    policy = load_policy(PROJECT_ROOT / "data")
    for household_id, flag, words in ((guoding, True, "identified under the national standard (国定)"),
                                      (shengding, False, "no provincial line for 2017")):
        facts, _ = store.household_case_data(household_id)
        assert facts.nationally_defined is flag
        report = evaluate_household(facts, 2017, policy.poverty_lines, policy.stability)
        assert report.year == 2017
        assert words in next(c for c in report.checks if c.name == "income_2017").detail
