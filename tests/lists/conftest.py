import pytest

from tests.conftest import TASK_QUEUE
from tests.support.list_driver import ListDriver


@pytest.fixture
async def lists(ts_env, ts_worker, small_store, small_keys) -> ListDriver:
    return ListDriver(ts_env, small_store, TASK_QUEUE, small_keys)


@pytest.fixture
def homes():
    """Fresh eligible households of the small registry, drawn from the session's one counter."""
    from tests.conftest import _eligible
    from tests.support.small_registry import VILLAGE

    return lambda n: [f"{VILLAGE}-e{next(_eligible):03d}" for _ in range(n)]
