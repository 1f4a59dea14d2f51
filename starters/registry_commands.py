"""`tuopin registry ...`: schema, demo seed, the working year and listings, straight against the
registry database."""

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from activities.registry.store import RegistryStore, RegistryUnavailable
from starters.errors import Unreachable, registry_call
from starters.registry_access import existing_registry
from workers.settings import Settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

DEMO_FIRST_YEAR = 2017  # the demo registry's first working year: the policy's first plan year


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
        row["year"] = year
        row["poor_persons"] = figure.poor_persons if figure else None
        row["rural_population"] = figure.rural_population if figure else None
        row["incidence_pct"] = str(figure.percent()) if figure and figure.rural_population else None
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
        summary["working_year"] = _demo_first_year(store, settings)
    except RegistryUnavailable as exc:
        raise Unreachable(str(exc)) from None
    return summary


def _demo_first_year(store: RegistryStore, settings: Settings) -> int:
    """The demo registry starts in DEMO_FIRST_YEAR, set by the demo administrator's signed act."""
    from starters.trust_setup import admin_key
    from workers.trust import read_root

    current = registry_call(lambda: _current(store, read_root(settings.trust_dir)))
    if current is not None:
        return current
    return advance_working_year(store, admin_key(settings.trust_dir), DEMO_FIRST_YEAR, "demo seed").year


def _current(store: RegistryStore, root_public_key: str) -> int | None:
    from activities.registry.working_year import current_year

    return current_year(store, root_public_key)


def advance_working_year(store: RegistryStore, root: "Ed25519PrivateKey", year: int, by: str, now: datetime | None = None) -> Any:
    """Signs "the working year is now YEAR" with the administrator's root and keeps it; refused
    (nothing written) unless YEAR is the year after the working year, not after the calendar year."""
    from activities.registry.working_year import record_act
    from domain.canonical import public_key_text
    from domain.county import TIME_ZONE
    from domain.working_year import next_act_problem, sign_act

    now = now or datetime.now(TIME_ZONE)
    root_public = public_key_text(root.public_key())
    current = _current(store, root_public)
    problem = next_act_problem(current, year, now.astimezone(TIME_ZONE).year)
    if problem:
        from domain.working_year import WorkingYearRefused

        raise WorkingYearRefused(problem)
    act = sign_act(root, year=year, previous=current, set_by=by, set_at=now)
    return record_act(store, act, root_public, now.astimezone(TIME_ZONE).year)


def working_year_status(settings: Settings) -> dict[str, Any]:
    """The working year as a worker pinning this home's root sees it, with the act that set it."""
    from activities.registry.working_year import acts
    from starters.errors import BadUsage
    from workers.trust import TrustConfigError, read_root

    try:
        root = read_root(settings.trust_dir)
    except TrustConfigError as exc:
        raise BadUsage(str(exc)) from None
    store = _store(settings)
    year = registry_call(lambda: _current(store, root))
    last = next((a for a in registry_call(lambda: acts(store)) if a.year == year), None)
    return {
        "year": year,
        "set_by": last.statement.set_by if last else None,
        "set_at": last.statement.set_at.isoformat() if last else None,
        "previous": last.statement.previous if last else None,
    }


def set_working_year(settings: Settings, year: int, admin: str, admin_key_file: Path | None) -> dict[str, Any]:
    """`tuopin registry year set`: the administrator's root key (the file given, else the demo's in the
    trust folder) must be the root the workers pin, as for `officials register`."""
    from domain.canonical import public_key_text
    from starters.errors import Refused
    from starters.trust_setup import admin_key
    from workers.trust import TrustConfigError, read_root

    root = admin_key(settings.trust_dir, admin_key_file)
    try:
        pinned = read_root(settings.trust_dir)
    except TrustConfigError as exc:
        raise Refused(f"no pinned administrator root to check the key against: {exc}", kind="WorkingYearRefused") from None
    if public_key_text(root.public_key()) != pinned:
        raise Refused(
            f"the administrator key given is not the root the workers pin ({settings.trust_dir}/admin-root.pub): "
            "an act signed with it would not count", kind="WorkingYearRefused",
        )
    store = _store(settings)
    act = registry_call(lambda: advance_working_year(store, root, year, admin))
    st = act.statement
    return {"year": st.year, "previous": st.previous, "set_by": st.set_by, "set_at": st.set_at.isoformat()}


def listing(settings: Settings, what: str, year: int | None = None, **filters: Any) -> list[dict[str, Any]]:
    store = _store(settings)
    if what in ("villages", "townships"):
        try:
            return _with_incidence(store, what, year or _listing_year(store, settings), **filters)
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


def _listing_year(store: RegistryStore, settings: Settings) -> int:
    """Listings show the working year's figures; a registry without one (or without a pinned root),
    the latest year any figure is recorded for."""
    from activities.registry.unit_queries import latest_figure_year
    from workers.trust import TrustConfigError, read_root

    try:
        root = read_root(settings.trust_dir)
    except TrustConfigError:
        root = None
    year = registry_call(lambda: _current(store, root)) if root else None
    return year or latest_figure_year(store)
