"""The registry as commands that read it (or change rows in it) open it: never created on the way.
Only `tuopin registry seed` and the worker create a registry; a command pointed at a home without
one says so (exit 3) instead of leaving an empty registry.db behind."""

from pathlib import Path

from activities.registry.store import RegistryStore
from starters.errors import BadUsage, Unreachable, registry_call
from workers.settings import Settings


def existing_registry(settings: Settings) -> RegistryStore:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(settings.registry)
    except ArgumentError as exc:
        raise BadUsage(f"--registry-url is not a database URL: {exc}") from None
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") and not Path(url.database).is_file():
        raise Unreachable(
            f"no registry at {url.database}: pass the home of `make run` with --home (or TUOPIN_HOME), "
            "or --registry-url; `tuopin registry seed` creates the demo registry",
            kind="no_registry",
        )
    return registry_call(lambda: RegistryStore.from_url(settings.registry))
