"""A small, hand-made registry for workflow tests: every figure chosen to sit on a boundary or not."""

from decimal import Decimal
from pathlib import Path

from activities.registry.schema import (
    City,
    County,
    Household,
    HouseholdIncome,
    OfficialPost,
    Province,
    Township,
    UnitStatistic,
    Village,
)
from domain import indicators as ind
from starters.demo_keys import create_demo_keys
from starters.trust_setup import admin_key, ensure_trust
from workers.trust import WorkerTrust, load_trust
from activities.registry.store import RegistryStore
from tests.support.working_year import move_to

VILLAGE = "changxiao-hepai"
OTHER_VILLAGE = "changxiao-shaping"
TOWNSHIP = "changxiao"
OTHER_TOWNSHIP = "lijia"
COUNTY = "qingliu"

FIRST_YEAR = 2017  # the registry's first working year
STATISTICS_YEARS = range(2017, 2022)  # the same figures every year: a case compares its own year's

LINE = {2015: Decimal("2968"), 2016: Decimal("3146"), 2017: Decimal("3335"), 2018: Decimal("3535")}

POSTS = [
    # (official id, person id, role, jurisdiction)
    (f"{VILLAGE}-secretary", "p-vs", "village_secretary", VILLAGE),
    (f"{VILLAGE}-director", "p-vd", "village_director", VILLAGE),
    (f"{VILLAGE}-workteam", "p-wt", "work_team", VILLAGE),
    (f"{OTHER_VILLAGE}-secretary", "p-ovs", "village_secretary", OTHER_VILLAGE),
    (f"{TOWNSHIP}-secretary", "p-ts", "township_secretary", TOWNSHIP),
    (f"{TOWNSHIP}-head", "p-th", "township_head", TOWNSHIP),
    # the township head also holds a county post: one person, two levels
    (f"{COUNTY}-deputy-group", "p-th", "county_group", COUNTY),
    (f"{OTHER_TOWNSHIP}-secretary", "p-ots", "township_secretary", OTHER_TOWNSHIP),
    (f"{OTHER_TOWNSHIP}-head", "p-oth", "township_head", OTHER_TOWNSHIP),
    (f"{COUNTY}-group", "p-cg", "county_group", COUNTY),
    (f"{COUNTY}-secretary", "p-cs", "county_secretary", COUNTY),
    (f"{COUNTY}-head", "p-ch", "county_head", COUNTY),
    # one person acting as both county secretary and head would be 一肩挑 at county level
    (f"{COUNTY}-acting-head", "p-cs", "county_head", COUNTY),
    ("sanming-group", "p-mg", "city_group", "sanming"),
    ("sanming-secretary", "p-ms", "city_secretary", "sanming"),
    ("sanming-mayor", "p-mm", "city_mayor", "sanming"),
    ("fujian-group", "p-pg", "province_group", "fujian"),
]


def build(store: RegistryStore, keys_dir: Path, eligible: int = 120) -> None:
    """`eligible` households hepai-e001.. pass 2017 criteria; hepai-x-* fail one criterion each."""
    store.create_schema()
    with store.session() as s:
        # no ORM relationships: insert parents first, level by level
        for row in (
            Province(id="fujian", name="福建省"),
            City(id="sanming", name="三明市", province_id="fujian"),
            County(id=COUNTY, name="清流县", city_id="sanming", is_key_county=True, supervision_phone=COUNTY_PHONE),
        ):
            s.add(row)
            s.flush()
        s.add(Township(id=TOWNSHIP, name="长校镇", county_id=COUNTY, is_key_township=True, supervision_phone=TOWNSHIP_PHONE))
        s.add(Township(id=OTHER_TOWNSHIP, name="李家乡", county_id=COUNTY))
        s.flush()
        s.add(Village(id=VILLAGE, name="河排", township_id=TOWNSHIP, is_poor_village=True, poor_status="poor",
                      is_hollow_village=True, hollow_status="poor"))
        s.add(Village(id=OTHER_VILLAGE, name="沙坪", township_id=TOWNSHIP, is_poor_village=True, poor_status="poor"))
        s.flush()
        for official_id, person, role, where in POSTS:
            s.add(OfficialPost(id=official_id, person_id=person, name=f"测试·{official_id}", role=role,
                               jurisdiction_id=where, synthetic=True))
        for n in range(1, eligible + 1):
            _household(s, f"{VILLAGE}-e{n:03d}", {2016: LINE[2016] + 1, 2017: LINE[2017] + 1})
        _household(s, f"{VILLAGE}-x-at-line", {2016: LINE[2016] + 500, 2017: LINE[2017]})
        _household(s, f"{VILLAGE}-x-unstable", {2016: LINE[2016] - 1, 2017: LINE[2017] + 900})
        _household(s, f"{VILLAGE}-x-housing", {2016: LINE[2016] + 500, 2017: LINE[2017] + 500}, housing=False)
        _household(s, f"{OTHER_VILLAGE}-e001", {2016: LINE[2016] + 400, 2017: LINE[2017] + 400})
        for year in STATISTICS_YEARS:
            for unit, indicator, value in STATISTICS:
                s.add(UnitStatistic(unit_id=unit, year=year, indicator=indicator, value=Decimal(value),
                                    source="test fixture", synthetic=True))
    ensure_trust(trust_dir(keys_dir), COUNTY)
    create_demo_keys(store, keys_dir, admin_key(trust_dir(keys_dir)))
    move_to(store, trust_dir(keys_dir), FIRST_YEAR)


# the offices' 监督电话 (fictional: no Chinese local number begins 000)
TOWNSHIP_PHONE, COUNTY_PHONE = "0598-0001001", "0598-0000001"


def trust_dir(keys_dir: Path) -> Path:
    """The test registry's trust folder (its administrator root and service key), beside its keys."""
    return keys_dir.parent / f"{keys_dir.name}-trust"


def trust(keys_dir: Path) -> WorkerTrust:
    """What a test worker pins and signs with."""
    return load_trust(trust_dir(keys_dir))


SERVICE = list(ind.SERVICE_INDICATORS)
STATISTICS = [
    # 河排: (120 + 3) households × 3 = 369 poor persons over 20,000 → 1.845 %, eligible as a village (< 2 %)
    (VILLAGE, ind.RURAL_POPULATION, 20000),
    (VILLAGE, ind.RURAL_INCOME_PER_CAPITA, 9700),  # 80.8 % of the county's 12,000
    (VILLAGE, ind.COLLECTIVE_INCOME, 150000),
    # 沙坪: 3 poor persons over 100 → 3 %, not eligible
    (OTHER_VILLAGE, ind.RURAL_POPULATION, 100),
    (OTHER_VILLAGE, ind.RURAL_INCOME_PER_CAPITA, 9700),
    (OTHER_VILLAGE, ind.COLLECTIVE_INCOME, 150000),
    (COUNTY, ind.RURAL_INCOME_PER_CAPITA, 12000),
    ("fujian", ind.RURAL_INCOME_PER_CAPITA, 15000),
    # growth: 长校 and the county above the city's 9.0 %, 李家 equal to it
    (TOWNSHIP, ind.RURAL_INCOME_GROWTH_PCT, "9.5"),
    (OTHER_TOWNSHIP, ind.RURAL_INCOME_GROWTH_PCT, "9.0"),
    (COUNTY, ind.RURAL_INCOME_GROWTH_PCT, "9.2"),
    ("sanming", ind.RURAL_INCOME_GROWTH_PCT, "9.0"),
    *[(unit, name, value) for name in SERVICE for unit, value in
      ((TOWNSHIP, "95.5"), (OTHER_TOWNSHIP, "95.0"), (COUNTY, "96.0"), ("sanming", "96.5"), ("fujian", "97.0"))],
]


def _household(s, household_id: str, incomes: dict[int, Decimal], housing: bool = True) -> None:
    s.add(Household(
        id=household_id, village_id=household_id.rsplit("-", 1)[0] if "-x-" not in household_id else VILLAGE,
        head_name="测试户主", head_id_number="SYN-ID-TEST", phone="SYN-TEL-TEST", members=3, village_group="第三村民小组",
        food_and_clothing=True, compulsory_education=True, basic_medical_care=True, safe_housing=housing,
        synthetic=True,
    ))
    s.flush()
    s.add(OfficialPost(id=f"{household_id}-head", person_id=f"p-{household_id}", name="测试户主",
                       role="household_head", jurisdiction_id=household_id, synthetic=True))
    for year, income in incomes.items():
        s.add(HouseholdIncome(household_id=household_id, year=year, per_capita_income=income))
