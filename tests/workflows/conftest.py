import pytest

from tests.conftest import TASK_QUEUE
from tests.support.driver import CaseDriver


@pytest.fixture
async def driver(ts_env, ts_worker, small_store, small_keys) -> CaseDriver:
    return CaseDriver(ts_env, small_store, TASK_QUEUE, small_keys)
