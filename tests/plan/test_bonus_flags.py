"""正向激励: the early-exit bonus flag is for 贫困村 exiting ahead of plan, with their paired county
department where the registry knows it — not for 空壳村.

清委办〔2017〕25号 二.4: "对提前退出的贫困村和挂包的县直部门在年度扶贫工作考评时给予加分奖励".
"""

from datetime import datetime, timezone
from pathlib import Path

from activities.registry.demo_seed import seed_demo
from activities.registry.plan_queries import read_plan_facts
from activities.registry.schema import StatusChange
from activities.registry.store import RegistryStore
from domain.plan_report import ActualExits, UnitExit, VillageRef, build_report
from starters.plan_data import load_plan

DATA = Path(__file__).resolve().parents[2] / "data"
PLAN = load_plan(DATA)


def _exit(unit_type: str, village_id: str, township_id: str, year: int = 2017) -> UnitExit:
    return UnitExit(unit_type=unit_type, unit_id=village_id, township_id=township_id, year=year)


def _flags(*exits: UnitExit, villages: tuple[VillageRef, ...] = ()):
    report = build_report(PLAN, 2017, ActualExits(units=exits), list(villages), [])
    return [(b.village_id, b.kind, b.paired_department) for b in report.bonus_flags]


def test_a_hollow_village_exiting_early_earns_no_bonus_flag():
    """曾坊 (林畲) is a 空壳村 planned for 2018; exiting in 2017 is early, but the text names 贫困村."""
    assert _flags(_exit("village_hollow", "linshe-zengfang", "linshe")) == []


def test_a_poor_village_exiting_early_is_flagged_with_its_paired_department():
    ref = VillageRef(village_id="longjin-jitou", name="基头", township_id="longjin", paired_department="县教育局",
                     paired_department_source="test pairing")
    assert _flags(_exit("village_poor", "longjin-jitou", "longjin"), villages=(ref,)) == [
        ("longjin-jitou", "poor", "县教育局")]


def test_a_village_that_is_both_is_flagged_once_for_its_poor_village_exit():
    """姚家 (赖坊) is both a 贫困村 and a 空壳村 planned for 2018: its two early exits earn one flag."""
    assert _flags(_exit("village_poor", "laifang-yaojia", "laifang"), _exit("village_hollow", "laifang-yaojia", "laifang")) == [
        ("laifang-yaojia", "poor", None)]  # no pairing known: the flag says so (None), it does not invent one


def test_the_demo_registry_knows_the_pairing_and_says_it_is_demo_data(tmp_path):
    store = RegistryStore.from_url(f"sqlite:///{tmp_path / 'r.db'}")
    seed_demo(store, DATA)
    with store.session() as s:
        for unit_type in ("village_poor", "village_hollow"):
            s.add(StatusChange(case_id=f"village-exit/laifang-yaojia/{unit_type}/2017", unit_type=unit_type,
                               unit_id="laifang-yaojia", year=2017, from_status="poor", to_status="exited",
                               at=datetime(2017, 12, 1, tzinfo=timezone.utc)))
    facts = read_plan_facts(store)
    report = build_report(PLAN, 2017, facts.actual, facts.villages, facts.townships)
    [flag] = report.bonus_flags
    assert (flag.village_id, flag.kind) == ("laifang-yaojia", "poor")
    assert flag.paired_department.endswith("（示例）") and flag.paired_department_source.startswith("demo data")
