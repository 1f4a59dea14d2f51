"""Simulation mode: the only way to a notice shorter than 7 days, and fenced on every side."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from domain.simulation import Simulation
from starters import cases
from tests.support import small_registry
from tests.support.driver import CaseDriver, appraisal, refused
from workers.settings import Settings
from workers.worker import SimulationFenceError, build_worker, run_worker

SIM_QUEUE = "tuopin-test-simulation"


async def test_a_production_worker_refuses_a_simulated_case(driver, household):
    await driver.signing_at_server_time()
    reason = await refused(cases.open_case(
        driver.client, driver.settings, "household", household, 2017, appraisal(), simulation=Simulation(notice_seconds=60)
    ))
    assert "SimulationRefused" in reason and "production worker" in reason
    state = await cases.show(driver.client, f"household-exit/{household}/2017")
    assert state.simulation is not None and state.decisions == [] and state.status == "rejected"


async def test_a_simulation_worker_runs_a_short_notice_and_marks_the_case(ts_env, small_store, small_keys, policy, second_household):
    with ThreadPoolExecutor(max_workers=4) as executor:
        worker = build_worker(ts_env.client, small_store, policy, SIM_QUEUE, executor, simulation=True,
                              trust=small_registry.trust(small_keys))
        async with worker:
            driver = CaseDriver(ts_env, small_store, SIM_QUEUE, small_keys)
            await driver.signing_at_server_time()
            opened = await cases.open_case(
                driver.client, driver.settings, "household", second_household, 2017, appraisal(),
                simulation=Simulation(notice_seconds=90),
            )
            driver.case_id = opened.case_id
            state = await driver.verify(second_household)
            window = state.current_notice()
            assert window.closes_at - window.opened_at == timedelta(seconds=90)
            assert state.simulation == Simulation(notice_seconds=90)
            await driver.env.sleep(timedelta(seconds=120))
            moved = await driver.until(lambda s: s.stage == "township_review")
            assert moved.notices[0].outcome == "passed"
            description = await driver.client.get_workflow_handle(driver.case_id).describe()
            from workflows import search_attributes as sa

            assert description.typed_search_attributes.get(sa.SIMULATION) is True


def test_simulation_settings_cannot_go_below_one_second_or_above_seven_days():
    with pytest.raises(ValueError):
        Simulation(notice_seconds=0)
    with pytest.raises(ValueError):
        Simulation(notice_seconds=7 * 24 * 3600 + 1)


async def test_a_simulation_worker_refuses_the_production_registry_and_queue(tmp_path):
    import asyncio

    stop = asyncio.Event()
    stop.set()
    for settings in (
        Settings(home=tmp_path, simulation=True, task_queue=SIM_QUEUE, registry_url=f"sqlite:///{(tmp_path / 'registry.db').resolve()}"),
        Settings(home=tmp_path, simulation=True),  # the production task queue
    ):
        with pytest.raises(SimulationFenceError):
            await run_worker(settings, client=None, stop=stop)  # type: ignore[arg-type]
