"""Spot checks, re-entries and the buffer period on the time-skipping server, against a registry of their
own (so that the year's exits a check samples are exactly those these tests make) and a worker of
their own on its own task queue (the production build_worker)."""

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.registry.schema import Household, HouseholdIncome, OfficialPost
from activities.registry.store import RegistryStore
from starters.demo_keys import create_demo_keys
from starters.trust_setup import admin_key
from tests.support import small_registry
from tests.support.driver import CaseDriver
from workers.worker import build_worker

SV_QUEUE = "tuopin-supervision-test"
VILLAGE = small_registry.VILLAGE
INSPECTOR = "qingliu-inspector"  # a county_group official who signs no exit: the independent verifier
HOUSEHOLDS = 12  # changxiao-hepai-s001 .. s012: incomes above the line 2016–2019
LINE = {2016: Decimal("3146"), 2017: Decimal("3335"), 2018: Decimal("3535"), 2019: Decimal("3747")}


def household(n: int) -> str:
    return f"{VILLAGE}-s{n:03d}"




# per module: a test that moves the registry's working year forward (it never goes back) leaves the
# other modules' registry in its first year
@pytest.fixture(scope="module")
def sv_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sv-keys")


@pytest.fixture(scope="module")
def sv_store(tmp_path_factory: pytest.TempPathFactory, sv_keys: Path) -> RegistryStore:
    store = RegistryStore.from_url(f"sqlite:///{tmp_path_factory.mktemp('sv-registry') / 'supervision.db'}")
    small_registry.build(store, sv_keys, eligible=0)
    with store.session() as s:
        s.add(OfficialPost(id=INSPECTOR, person_id="p-ci", name="测试·督查", role="county_group",
                           jurisdiction_id=small_registry.COUNTY, synthetic=True))
        for n in range(1, HOUSEHOLDS + 1):
            hid = household(n)
            s.add(Household(
                id=hid, village_id=VILLAGE, head_name="测试户主", head_id_number="SYN-ID-TEST", phone="SYN-TEL-TEST",
                members=3, food_and_clothing=True, compulsory_education=True, basic_medical_care=True,
                safe_housing=True, synthetic=True,
            ))
            s.flush()
            s.add(OfficialPost(id=f"{hid}-head", person_id=f"p-{hid}", name="测试户主", role="household_head",
                               jurisdiction_id=hid, synthetic=True))
            for year, line in LINE.items():
                s.add(HouseholdIncome(household_id=hid, year=year, per_capita_income=line + 100))
    create_demo_keys(store, sv_keys, admin_key(small_registry.trust_dir(sv_keys)))
    return store


def supervision_worker(
    client: Client, store: RegistryStore, policy, task_queue: str, executor: ThreadPoolExecutor, keys: Path
) -> Worker:
    """The production worker (it runs the spot check's workflow and activities too)."""
    return build_worker(client, store, policy, task_queue, executor, trust=small_registry.trust(keys))


@pytest.fixture(scope="module")
async def sv_worker(
    ts_env: WorkflowEnvironment, sv_store: RegistryStore, sv_keys: Path, policy, request: pytest.FixtureRequest
) -> AsyncIterator[Worker]:
    queue = f"{SV_QUEUE}-{request.module.__name__.rsplit('.', 1)[-1]}"
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = supervision_worker(ts_env.client, sv_store, policy, queue, executor, sv_keys)
        async with worker:
            yield worker


@pytest.fixture
async def sv_driver(ts_env, sv_worker, sv_store, sv_keys) -> CaseDriver:
    return CaseDriver(ts_env, sv_store, sv_worker.task_queue, sv_keys)


async def exit_household(driver: CaseDriver, hid: str, year: int) -> None:
    """A complete household exit, every stage, as the officials would do it."""
    await driver.open(hid, year=year)
    await driver.verify(hid)
    await driver.pass_notice()
    await driver.township()
    state = await driver.county()
    assert state.status == "exited", state.outcome_reason
