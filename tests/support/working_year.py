"""Moving a test registry's working year forward as the key administrator does: one signed act per
year, with the registry's own administrator root (the registry was seeded in its first year)."""

from pathlib import Path

from activities.registry.store import RegistryStore
from activities.registry.working_year import current_year
from domain.canonical import public_key_text
from starters.registry_commands import advance_working_year
from starters.trust_setup import admin_key

ADMIN = "test-key-administrator"


def move_to(store: RegistryStore, trust_dir: Path, year: int) -> int:
    """Signs the acts from the working year up to `year` (none when it is there already); a test that
    asks for an earlier year has its order wrong, since the working year never goes back."""
    root = admin_key(trust_dir)
    current = current_year(store, public_key_text(root.public_key()))
    if current is not None and current > year:
        raise AssertionError(f"the working year is {current} already; it never goes back to {year}")
    start = year if current is None else current + 1
    for y in range(start, year + 1):
        advance_working_year(store, root, y, ADMIN)
    return year
