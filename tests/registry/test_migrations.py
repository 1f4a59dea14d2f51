"""The registry's Alembic migrations, on SQLite and on PostgreSQL: an empty database upgraded to head has
exactly the tables, columns, keys and indexes of activities/registry/schema.py; a second upgrade
changes nothing; the revision is recorded; upgrades from many threads and processes at once all
succeed (they take the migration lock); an upgrade waits while another holds that lock; a registry
made by create_all before migrations existed is adopted; a schema that is newer or made by hand is
refused."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, UniqueConstraint, inspect, text

from activities.registry import migrate
from activities.registry.migrate import (
    ADVISORY_LOCK_KEY,
    BASELINE,
    VERSION_TABLE,
    SchemaError,
    alembic_config,
    current_revision,
    head_revision,
    script_directory,
    upgrade,
)
from activities.registry.schema import Base, ObjectionContact
from activities.registry.store import RegistryStore, RegistryUnavailable, as_utc, make_engine

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 8


@pytest.fixture
def empty_url(registry_databases) -> str:
    return registry_databases.new_url()


@pytest.fixture
def engine(empty_url: str):
    engine = make_engine(empty_url)
    yield engine
    engine.dispose()


def _type_shape(column_type: Any) -> tuple:
    """What must agree between schema.py and the database, for every type schema.py uses."""
    affinity = column_type._type_affinity.__name__
    if affinity == "String":  # String and Text: Text has no length
        return (affinity, getattr(column_type, "length", None))
    if affinity == "Numeric":
        return (affinity, column_type.precision, column_type.scale)
    return (affinity,)


def _shape(engine: Engine) -> dict[str, dict[str, Any]]:
    """Every table of the database but Alembic's, with its columns, keys and indexes."""
    inspector = inspect(engine)
    shape: dict[str, dict[str, Any]] = {}
    for name in inspector.get_table_names():
        if name == VERSION_TABLE:
            continue
        shape[name] = {
            "columns": {
                c["name"]: (_type_shape(c["type"]), c["nullable"]) for c in inspector.get_columns(name)
            },
            "primary_key": tuple(inspector.get_pk_constraint(name)["constrained_columns"]),
            "foreign_keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                for fk in inspector.get_foreign_keys(name)
            ),
            "indexes": sorted(
                (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                for ix in inspector.get_indexes(name)
                if not ix.get("duplicates_constraint")  # PostgreSQL: the index behind a UNIQUE
            ),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)),
        }
    return shape


def _metadata_shape() -> dict[str, dict[str, Any]]:
    shape: dict[str, dict[str, Any]] = {}
    for name, table in Base.metadata.tables.items():
        shape[name] = {
            "columns": {c.name: (_type_shape(c.type), c.nullable) for c in table.columns},
            "primary_key": tuple(c.name for c in table.primary_key.columns),
            "foreign_keys": sorted(
                ((fk.parent.name,), fk.column.table.name, (fk.column.name,))
                for fk in table.foreign_keys
            ),
            "indexes": sorted(
                (ix.name, tuple(c.name for c in ix.columns), bool(ix.unique)) for ix in table.indexes
            ),
            "unique": sorted(
                tuple(c.name for c in u.columns)
                for u in table.constraints
                if isinstance(u, UniqueConstraint)
            ),
        }
    return shape


def _version_rows(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


# ------------------------------------------------------------------------------------------------


def test_the_migrations_are_one_line_of_revisions():
    scripts = list(script_directory().walk_revisions())  # newest first
    assert scripts[-1].revision == BASELINE and scripts[-1].down_revision is None
    for newer, older in zip(scripts, scripts[1:]):
        assert newer.down_revision == older.revision
    assert head_revision() == scripts[0].revision


def test_an_empty_database_upgraded_to_head_is_exactly_schema_py(engine):
    assert current_revision(engine) is None
    assert upgrade(engine) == head_revision()
    expected, actual = _metadata_shape(), _shape(engine)
    assert sorted(actual) == sorted(expected)
    for name in expected:
        assert actual[name] == expected[name], name
    # Alembic's own comparison (types, nullability, keys, indexes, constraints) finds nothing to do.
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_datetimes_are_stored_as_instants(engine):
    """TIMESTAMP WITH TIME ZONE on PostgreSQL; on SQLite text without an offset, read back as UTC (the
    registry writes UTC: SQLite would drop any other offset)."""
    upgrade(engine)
    columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("notices")}
    assert columns["opened_at"].timezone is (engine.dialect.name == "postgresql")
    at = datetime(2017, 3, 1, 1, 0, tzinfo=timezone.utc)
    store = RegistryStore(engine)
    with store.session() as s:
        s.add(ObjectionContact(contact_ref="O1", case_id="case", contact="x", at=at))
    with store.session() as s:
        stored = s.get(ObjectionContact, "O1")
        assert stored is not None and as_utc(stored.at) == at


def test_the_revision_is_recorded(engine, empty_url):
    upgrade(engine)
    assert _version_rows(engine) == [head_revision()]
    assert current_revision(engine) == head_revision()
    assert current_revision(empty_url) == head_revision()


def test_a_second_upgrade_changes_nothing(engine):
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO provinces (id, name) VALUES ('fujian', '福建省')"))
    before = _shape(engine)
    assert upgrade(engine) == head_revision()
    assert upgrade(engine.url.render_as_string(hide_password=False)) == head_revision()
    assert _shape(engine) == before
    assert _version_rows(engine) == [head_revision()]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM provinces")).scalars().all() == ["福建省"]


def test_a_registry_at_an_older_revision_is_brought_to_head_with_its_data(engine):
    upgrade(engine, BASELINE)
    assert current_revision(engine) == BASELINE
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO provinces (id, name) VALUES ('fujian', '福建省')"))
    assert upgrade(engine) == head_revision()
    assert _shape(engine) == _metadata_shape()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM provinces")).scalars().all() == ["福建省"]


def test_every_revision_downgrades_and_upgrades_again(engine):
    upgrade(engine)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(engine).get_table_names()) == {VERSION_TABLE}
    assert current_revision(engine) is None
    assert upgrade(engine) == head_revision()
    assert _shape(engine) == _metadata_shape()


def test_create_schema_runs_the_migrations(empty_url):
    store = RegistryStore.from_url(empty_url)
    try:
        store.create_schema()
        store.create_schema()
        assert current_revision(store.engine) == head_revision()
        assert store.meta("no-such-key") is None
    finally:
        store.engine.dispose()


def test_concurrent_upgrades_from_threads_all_succeed(empty_url, engine):
    barrier = threading.Barrier(WORKERS)
    results: list[Any] = [None] * WORKERS

    def run(i: int) -> None:
        own = make_engine(empty_url)  # as separate workers would: no shared pool
        try:
            barrier.wait()
            results[i] = upgrade(own)
        except BaseException as exc:  # noqa: BLE001 - reported below
            results[i] = exc
        finally:
            own.dispose()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results == [head_revision()] * WORKERS
    assert _version_rows(engine) == [head_revision()]
    assert sorted(_shape(engine)) == sorted(Base.metadata.tables)


PROCESS = """
import sys, time
from activities.registry.migrate import upgrade
url, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
print(upgrade(url))
"""


def test_concurrent_upgrades_from_processes_all_succeed(empty_url, engine):
    start = time.time() + 4  # every process has imported SQLAlchemy and Alembic by then
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS, empty_url, str(start)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(WORKERS)
    ]
    outcomes = [p.communicate(timeout=120) for p in processes]
    for process, (out, err) in zip(processes, outcomes):
        assert process.returncode == 0, err
        assert out.strip() == head_revision()
    assert _version_rows(engine) == [head_revision()]
    assert sorted(_shape(engine)) == sorted(Base.metadata.tables)


def test_an_upgrade_waits_while_another_holds_the_migration_lock(empty_url, engine):
    holder = make_engine(empty_url)
    done = threading.Event()
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(upgrade(empty_url))
        except BaseException as exc:  # noqa: BLE001
            outcome.append(exc)
        done.set()

    try:
        with holder.connect() as connection:
            if holder.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            thread = threading.Thread(target=run)
            thread.start()
            assert not done.wait(1.0), outcome  # blocked behind the lock
            assert current_revision(engine) is None
            if holder.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
            else:
                connection.exec_driver_sql("ROLLBACK")
            thread.join(60)
    finally:
        holder.dispose()
    assert outcome == [head_revision()]


def _make_pre_migration_registry(engine: Engine, drop: tuple[str, ...] = ()) -> None:
    """A registry as create_all left it before migrations: the baseline's tables, no version table."""
    upgrade(engine, BASELINE)
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE {VERSION_TABLE}"))
        for name in drop:
            connection.execute(text(f"DROP TABLE {name}"))
        connection.execute(text("INSERT INTO provinces (id, name) VALUES ('fujian', '福建省')"))


def test_a_registry_made_before_migrations_is_adopted(engine):
    _make_pre_migration_registry(engine)
    assert current_revision(engine) is None
    assert upgrade(engine) == head_revision()
    assert sorted(_shape(engine)) == sorted(Base.metadata.tables)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM provinces")).scalars().all() == ["福建省"]


def test_an_older_pre_migration_registry_gets_its_missing_tables(engine):
    """create_all added tables that a registry lacked; the baseline does the same."""
    _make_pre_migration_registry(engine, drop=("objection_contacts", "registry_meta"))
    assert upgrade(engine) == head_revision()
    assert _shape(engine) == _metadata_shape()


def test_unversioned_tables_that_lack_columns_are_refused(engine, empty_url):
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE households (id VARCHAR(64) PRIMARY KEY)"))
    with pytest.raises(SchemaError, match="missing columns"):
        upgrade(engine)
    assert current_revision(engine) is None
    store = RegistryStore.from_url(empty_url)
    try:
        with pytest.raises(RegistryUnavailable, match="no migration history"):
            store.create_schema()
    finally:
        store.engine.dispose()


def test_a_database_from_a_newer_tuopin_is_refused(engine):
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = 'ffffffff'"))
    with pytest.raises(SchemaError, match="newer tuopin"):
        upgrade(engine)


def test_unrelated_tables_do_not_stop_a_fresh_registry(engine):
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE someone_elses (id INTEGER PRIMARY KEY)"))
    assert upgrade(engine) == head_revision()
    assert set(_shape(engine)) == set(Base.metadata.tables) | {"someone_elses"}


def test_the_ddl_can_be_printed_for_a_dba(capsys):
    """Offline: no database needed."""
    assert migrate.main(["sql", "postgresql"]) == 0
    out = capsys.readouterr().out
    assert "CREATE TABLE households" in out
    assert "TIMESTAMP WITH TIME ZONE" in out
    assert f"INSERT INTO {VERSION_TABLE} (version_num) VALUES ('{BASELINE}')" in out
