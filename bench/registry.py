"""A synthetic bench registry: one county, one township, one village with as many eligible households
as a run needs (the demo registry has ~557 eligible), and the officials of every household stage,
each with a demo key. Built like tests/support/small_registry.py; never the production registry."""

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
    Village,
)
from activities.registry.store import RegistryStore
from activities.registry.working_year import current_year
from domain.canonical import public_key_text
from starters.demo_keys import create_demo_keys
from starters.registry_commands import advance_working_year
from starters.trust_setup import admin_key, ensure_trust

COUNTY = "qingliu"
TOWNSHIP = "benchtown"
VILLAGE = "benchtown-benchvillage"
YEAR = 2017
# comfortably above the 2016 and 2017 lines of data/policy/poverty_lines.json
INCOMES = {2016: Decimal("4200"), 2017: Decimal("4600")}

VS, VD, WT = f"{VILLAGE}-secretary", f"{VILLAGE}-director", f"{VILLAGE}-workteam"
TS, TH = f"{TOWNSHIP}-secretary", f"{TOWNSHIP}-head"
CG, CS, CH = f"{COUNTY}-group", f"{COUNTY}-secretary", f"{COUNTY}-head"

POSTS = [
    (VS, "p-vs", "village_secretary", VILLAGE),
    (VD, "p-vd", "village_director", VILLAGE),
    (WT, "p-wt", "work_team", VILLAGE),
    (TS, "p-ts", "township_secretary", TOWNSHIP),
    (TH, "p-th", "township_head", TOWNSHIP),
    (CG, "p-cg", "county_group", COUNTY),
    (CS, "p-cs", "county_secretary", COUNTY),
    (CH, "p-ch", "county_head", COUNTY),
]


def household_id(n: int) -> str:
    return f"{VILLAGE}-h{n:05d}"


def build(registry_url: str, keys_dir: Path, households: int) -> RegistryStore:
    """Creates the schema and rows and a key per official (private halves under keys_dir)."""
    store = RegistryStore.from_url(registry_url)
    store.create_schema()
    with store.session() as s:
        for row in (
            Province(id="fujian", name="福建省"),
            City(id="sanming", name="三明市", province_id="fujian"),
            County(id=COUNTY, name="清流县", city_id="sanming", is_key_county=True),
            Township(id=TOWNSHIP, name="基准镇", county_id=COUNTY),
            Village(id=VILLAGE, name="基准村", township_id=TOWNSHIP, is_poor_village=True, poor_status="poor",
                    synthetic=True),
        ):
            s.add(row)
            s.flush()
        for official_id, person, role, where in POSTS:
            s.add(OfficialPost(id=official_id, person_id=person, name=f"基准·{official_id}", role=role,
                               jurisdiction_id=where, synthetic=True))
        s.flush()
        for n in range(1, households + 1):
            hid = household_id(n)
            s.add(Household(
                id=hid, village_id=VILLAGE, head_name="基准户主", head_id_number="SYN-ID-BENCH", phone="SYN-TEL-BENCH",
                members=3, food_and_clothing=True, compulsory_education=True, basic_medical_care=True,
                safe_housing=True, planned_exit_year=YEAR, synthetic=True,
            ))
        s.flush()
        for n in range(1, households + 1):
            hid = household_id(n)
            s.add(OfficialPost(id=f"{hid}-head", person_id=f"p-{hid}", name="基准户主", role="household_head",
                               jurisdiction_id=hid, synthetic=True))
            for year, income in INCOMES.items():
                s.add(HouseholdIncome(household_id=hid, year=year, per_capita_income=income))
    # the trust folder beside the keys is the default one of a home whose keys are `<home>/keys`
    ensure_trust(keys_dir.parent / "trust", COUNTY)
    create_demo_keys(store, keys_dir, admin_key(keys_dir.parent / "trust"))
    # cases open only for the registry's working year, set by the administrator's signed act
    root = admin_key(keys_dir.parent / "trust")
    if current_year(store, public_key_text(root.public_key())) is None:
        advance_working_year(store, root, YEAR, "bench")
    return store
