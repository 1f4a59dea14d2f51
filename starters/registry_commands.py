"""`tuopin registry ...`: schema, demo seed and listings, straight against the registry database."""

from typing import Any

from activities.registry.store import RegistryStore, RegistryUnavailable
from starters.errors import Unreachable, registry_call
from starters.registry_access import existing_registry
from workers.settings import Settings


def _store(settings: Settings, create: bool = False) -> RegistryStore:
    """The registry; created (and its schema brought up to date) only by `registry seed`."""
    if not create:
        return existing_registry(settings)
    settings.home.mkdir(parents=True, exist_ok=True)
    store = registry_call(lambda: RegistryStore.from_url(settings.registry))
    try:
        store.create_schema()
    except RegistryUnavailable as exc:
        raise Unreachable(str(exc)) from None
    return store


INCIDENCE_YEAR_DEFAULT = 9999  # the latest figures


def _with_incidence(store: RegistryStore, what: str, year: int, **filters: Any) -> list[dict[str, Any]]:
    from activities.registry.unit_queries import township_incidences, village_incidences

    if what == "villages":
        rows, incidence = store.list_villages(**filters), village_incidences(store, year, filters.get("township_id"))
        key = "village_id"
    else:
        rows, incidence = store.list_townships(), township_incidences(store, year)
        key = "township_id"
    for row in rows:
        figure = incidence[row[key]]
        row["poor_persons"] = figure.poor_persons
        row["rural_population"] = figure.rural_population
        row["incidence_pct"] = str(figure.percent()) if figure.rural_population else None
    return rows


def seed(settings: Settings) -> dict[str, Any]:
    from activities.registry.demo_seed import seed_demo

    from domain.county import COUNTY_ID
    from starters.demo_keys import create_demo_keys
    from starters.trust_setup import admin_key, ensure_trust

    store = _store(settings, create=True)
    try:
        summary = seed_demo(store, settings.data_dir).model_dump()
        summary["trust_created"] = ensure_trust(settings.trust_dir, COUNTY_ID)
        summary["keys_created"] = create_demo_keys(store, settings.home / "keys", admin_key(settings.trust_dir))
    except RegistryUnavailable as exc:
        raise Unreachable(str(exc)) from None
    return summary


def listing(settings: Settings, what: str, year: int | None = None, **filters: Any) -> list[dict[str, Any]]:
    store = _store(settings)
    if what in ("villages", "townships"):
        try:
            return _with_incidence(store, what, year or INCIDENCE_YEAR_DEFAULT, **filters)
        except RegistryUnavailable as exc:
            raise Unreachable(str(exc)) from None
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
