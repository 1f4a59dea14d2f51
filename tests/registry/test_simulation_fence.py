"""A simulation worker (load tests: shortened notices) refuses any registry that holds a real exit,
whatever its URL: a file other than the default, or PostgreSQL. Its own simulated exits do not stop
it, and a registry with no exit at all is accepted."""

import asyncio
from datetime import datetime, timezone
from pathlib import Path

import pytest

from activities.registry.exits import announce_and_mark_exited
from activities.registry.store import RegistryStore
from domain.simulation import SIMULATION_TASK_QUEUE
from tests.support import small_registry
from tests.support.small_registry import VILLAGE
from workers.settings import Settings
from workers.worker import SimulationFenceError, real_exits, run_worker

AT = datetime(2017, 12, 1, tzinfo=timezone.utc)


def _exit(store: RegistryStore, household: str, simulated: bool) -> None:
    announce_and_mark_exited(store, [], "household", household, f"household-exit/{household}/2017", 2017, AT,
                             simulated=simulated)


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(home=tmp_path, simulation=True, task_queue=SIMULATION_TASK_QUEUE, registry_url=url)


async def _start(settings: Settings) -> None:
    """run_worker up to the point where it would build the worker (which needs a client)."""
    stop = asyncio.Event()
    stop.set()
    await run_worker(settings, client=None, stop=stop)  # type: ignore[arg-type]


@pytest.fixture
def store(registry_databases, tmp_path):
    store = RegistryStore.from_url(registry_databases.new_url())
    small_registry.build(store, tmp_path / "keys", eligible=3)
    yield store
    store.engine.dispose()


async def test_a_registry_with_a_real_exit_is_refused_at_any_url(store, tmp_path):
    _exit(store, f"{VILLAGE}-e001", simulated=False)
    assert real_exits(store) == 1
    with pytest.raises(SimulationFenceError, match="real exit"):
        await _start(_settings(tmp_path, store.engine.url.render_as_string(hide_password=False)))


async def test_a_unit_marked_exited_outside_any_case_counts_as_real(store, tmp_path):
    from sqlalchemy import update

    from activities.registry.schema import Household

    with store.session() as s:
        s.execute(update(Household).where(Household.id == f"{VILLAGE}-e002").values(status="exited", exited_year=2016))
    assert real_exits(store) == 1
    with pytest.raises(SimulationFenceError):
        await _start(_settings(tmp_path, store.engine.url.render_as_string(hide_password=False)))


async def test_simulated_exits_alone_do_not_stop_a_simulation_worker(store):
    _exit(store, f"{VILLAGE}-e001", simulated=True)
    _exit(store, f"{VILLAGE}-e002", simulated=True)
    assert real_exits(store) == 0
    _exit(store, f"{VILLAGE}-e003", simulated=False)
    assert real_exits(store) == 1
