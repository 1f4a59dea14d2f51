"""The registry tests run on both databases the registry supports: SQLite (a file under pytest's tmp
folder) and PostgreSQL (the server of TUOPIN_TEST_POSTGRES_URL; `.ci/run` starts a throwaway one).

`registry_url` is an empty database for the test module, of the module's kind (each module runs once
per kind); `registry_databases.new_url()` makes more of the same kind. On PostgreSQL each is a new
schema with a random name, selected through the connection's search_path and dropped at the end of
the module, so the tests need only a database whose user may create schemas in it.

Without TUOPIN_TEST_POSTGRES_URL the PostgreSQL runs fail on CI (CI=true) and are skipped elsewhere.
"""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

POSTGRES_URL_ENV = "TUOPIN_TEST_POSTGRES_URL"
def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# PostgreSQL runs where a server is given (.ci/run starts one) and always on CI, where a missing
# server fails the tests; a developer without one runs the SQLite half (nothing is skipped).
BACKENDS = ("sqlite", "postgresql") if os.environ.get(POSTGRES_URL_ENV, "").strip() or on_ci() else ("sqlite",)


class RegistryDatabases:
    """Fresh, empty registry databases of one kind, all removed by close()."""

    def __init__(self, kind: str, folder: Path, postgres_url: str | None = None) -> None:
        self.kind = kind
        self._folder = folder
        self._count = 0
        self._schemas: list[str] = []
        self._base = make_url(postgres_url) if postgres_url else None
        self._admin = create_engine(self._base, poolclass=NullPool) if self._base is not None else None

    def new_url(self) -> str:
        self._count += 1
        if self.kind == "sqlite":
            return f"sqlite:///{self._folder / f'registry-{self._count}.db'}"
        assert self._base is not None and self._admin is not None
        schema = f"tuopin_test_{secrets.token_hex(6)}"
        with self._admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        self._schemas.append(schema)
        options = " ".join(filter(None, [self._base.query.get("options"), f"-csearch_path={schema}"]))
        return self._base.update_query_dict({"options": options}).render_as_string(hide_password=False)

    def close(self) -> None:
        if self._admin is None:
            return
        for schema in self._schemas:
            try:
                with self._admin.begin() as connection:
                    connection.execute(text("SET LOCAL lock_timeout = '10s'"))
                    connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            except Exception as exc:  # a leftover schema in a test database is litter, not a failure
                warnings.warn(f"could not drop the test schema {schema}: {exc}", stacklevel=1)
        self._admin.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def registry_databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryDatabases]:
    kind = request.param
    folder = tmp_path_factory.mktemp(f"registry-{kind}")
    if kind == "sqlite":
        yield RegistryDatabases(kind, folder)
        return
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if not url:
        pytest.fail(f"{POSTGRES_URL_ENV} is not set: the registry tests need a PostgreSQL server (.ci/run starts one)")
    databases = RegistryDatabases(kind, folder, url)
    try:
        yield databases
    finally:
        databases.close()


@pytest.fixture(scope="module")
def registry_url(registry_databases: RegistryDatabases) -> str:
    """An empty database for this module, of the module's kind (sqlite / postgresql)."""
    return registry_databases.new_url()
