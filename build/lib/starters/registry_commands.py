"""`tuopin registry ...`: schema, demo seed and listings, straight against the registry database."""

from typing import Any

from activities.registry.store import RegistryStore, RegistryUnavailable
from starters.errors import Unreachable
from workers.settings import Settings


def _store(settings: Settings) -> RegistryStore:
    settings.home.mkdir(parents=True, exist_ok=True)
    store = RegistryStore.from_url(settings.registry)
    try:
        store.create_schema()
    except RegistryUnavailable as exc:
        raise Unreachable(str(exc)) from None
    return store


def seed(settings: Settings) -> dict[str, Any]:
    from activities.registry.demo_seed import seed_demo

    store = _store(settings)
    try:
        summary = seed_demo(store, settings.data_dir)
    except RegistryUnavailable as exc:
        raise Unreachable(str(exc)) from None
    return summary.model_dump() if hasattr(summary, "model_dump") else dict(vars(summary))


def listing(settings: Settings, what: str, **filters: Any) -> list[dict[str, Any]]:
    store = _store(settings)
    method = {
        "households": store.list_households,
        "villages": store.list_villages,
        "townships": store.list_townships,
        "officials": store.list_officials,
    }[what]
    try:
        return method(**filters)
    except RegistryUnavailable as exc:
        raise Unreachable(str(exc)) from None
