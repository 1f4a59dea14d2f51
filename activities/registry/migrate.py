"""The registry's schema, managed by Alembic: `upgrade` brings a database to the newest revision.

Every worker and every `tuopin registry` command calls `upgrade` (through `RegistryStore.create_schema`)
at start, so it must be safe to call from many processes (and threads) at once:

- A database already at head is only read (no lock): the common case costs one query.
- Otherwise the whole upgrade runs in one transaction that first takes a lock that only migrations
  take: `pg_advisory_xact_lock` on PostgreSQL (per database, released by the commit or rollback, also
  when the process dies), `BEGIN IMMEDIATE` on SQLite (the file's single write lock; others wait for
  it up to their busy timeout). Whoever waited then finds the database at head and does nothing.
- Within one process Alembic commands also take a process-wide lock (Alembic's `op` and `context`
  are module globals), always before the database's lock.
- On PostgreSQL DDL is transactional: a failed upgrade leaves the database as it was.

A registry made by an older tuopin with `create_all` (tables, no `alembic_version`) is adopted: if its
tables have every column of the baseline revision, the baseline creates the tables it lacks (as
create_all did) and the later revisions run as usual; otherwise it is refused with SchemaError.

New revision (after changing schema.py): `python -m activities.registry.migrate revision "what changed"`
writes versions/NNNN_what_changed.py from the difference between schema.py and an empty database
upgraded to head; review it by hand. `python -m activities.registry.migrate sql postgresql` prints the
DDL of every revision for a DBA.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, inspect, text

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
BASELINE = "0001"  # the schema that create_all made before migrations existed
VERSION_TABLE = "alembic_version"
# Key of the PostgreSQL advisory lock that serialises migrations ("tuopin" in ASCII): any bigint
# that nothing else in the database uses.
ADVISORY_LOCK_KEY = 0x74756F70696E
MIGRATION_WAIT_MS = 120_000  # how long a SQLite upgrade waits for another one to finish
# Alembic's `context` and `op` are module-level proxies: one Alembic command at a time per process.
# Taken before the database's lock, never after it, so that threads of one process cannot deadlock.
_ALEMBIC = threading.RLock()


class SchemaError(Exception):
    """The database's schema is not one this tuopin can bring to head (newer, or made by hand)."""


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """Alembic's configuration, in code: the migrations ship inside the package, no ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    heads = script_directory().get_heads()
    if len(heads) != 1:
        raise SchemaError(f"the registry's migrations have {len(heads)} heads ({', '.join(heads)}); merge them")
    return heads[0]


def current_revision(target: Engine | Connection | str) -> str | None:
    """The revision the database is at; None for a database never migrated (empty or pre-Alembic)."""
    with _connection(target) as connection:
        return _current(connection)


def upgrade(target: Engine | str, revision: str = "head") -> str | None:
    """Brings the database to `revision` (head by default) and returns the revision it is at."""
    head = head_revision()
    with _engine(target) as engine:
        if revision in ("head", head):
            with engine.connect() as connection:
                if _current(connection) == head:
                    return head
        with _ALEMBIC, engine.begin() as connection:
            _lock(connection)
            _check_unversioned(connection)
            config = alembic_config(connection)
            try:
                command.upgrade(config, revision)
            except CommandError as exc:
                raise SchemaError(
                    f"the registry's schema is at revision {_current(connection)!r}, which this tuopin "
                    f"cannot upgrade to {revision!r} ({exc}): is a newer tuopin using it?"
                ) from exc
            return _current(connection)


# -- internals ---------------------------------------------------------------------------------


@contextmanager
def _engine(target: Engine | str) -> Iterator[Engine]:
    if isinstance(target, Engine):
        yield target
        return
    from activities.registry.store import make_engine  # store calls us: import late

    engine = make_engine(target)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _connection(target: Engine | Connection | str) -> Iterator[Connection]:
    if isinstance(target, Connection):
        yield target
        return
    with _engine(target) as engine, engine.connect() as connection:
        yield connection


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _lock(connection: Connection) -> None:
    """Takes the migration lock for the rest of the connection's transaction."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    elif dialect == "sqlite":
        # pysqlite begins transactions lazily (and not for DDL): start one that holds the write lock
        # now, so that two processes cannot both find the database empty and both create tables.
        driver = connection.connection.driver_connection
        if driver is not None and not driver.in_transaction:
            # another process may be migrating: wait for it as long as a migration can take
            connection.exec_driver_sql(f"PRAGMA busy_timeout={MIGRATION_WAIT_MS}")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    # Other dialects: the migration's own DDL is all the protection there is.


def _check_unversioned(connection: Connection) -> None:
    """A registry that create_all made (tables, no version table) may be adopted by the baseline
    revision, which creates only the tables that are missing, if the tables it has hold every
    column of the baseline; anything else is refused rather than half-migrated."""
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    if VERSION_TABLE in tables:
        return
    baseline = _baseline_shape()
    missing_columns = {
        name: sorted(columns - {c["name"] for c in inspector.get_columns(name)})
        for name, columns in sorted(baseline.items())
        if name in tables
    }
    missing_columns = {name: columns for name, columns in missing_columns.items() if columns}
    if missing_columns:
        raise SchemaError(
            "the registry has tables but no migration history, and they lack columns of revision "
            f"{BASELINE} (missing columns: {missing_columns}); migrate it by hand or start a new one"
        )


@lru_cache(maxsize=1)
def _baseline_shape() -> dict[str, frozenset[str]]:
    """The tables and columns of the baseline revision, from upgrading an empty in-memory database."""
    engine = create_engine("sqlite://")
    try:
        with _ALEMBIC, engine.begin() as connection:
            command.upgrade(alembic_config(connection), BASELINE)
            inspector = inspect(connection)
            return {
                name: frozenset(c["name"] for c in inspector.get_columns(name))
                for name in inspector.get_table_names()
                if name != VERSION_TABLE
            }
    finally:
        engine.dispose()


# -- for developers ----------------------------------------------------------------------------


def new_revision(message: str) -> Path:
    """Autogenerates the next revision: schema.py against an empty SQLite database at head."""
    scripts = script_directory()
    numbers = [int(s.revision) for s in scripts.walk_revisions() if s.revision.isdigit()]
    rev_id = f"{max(numbers, default=0) + 1:04d}"
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'empty.db'}")
        try:
            upgrade(engine)
            with _ALEMBIC, engine.begin() as connection:
                script = command.revision(
                    alembic_config(connection), message=message, autogenerate=True, rev_id=rev_id
                )
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m activities.registry.migrate", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upgrade", help="bring the database at URL to head")
    up.add_argument("url")
    cur = sub.add_parser("current", help="the revision of the database at URL")
    cur.add_argument("url")
    rev = sub.add_parser("revision", help="autogenerate the next revision from schema.py")
    rev.add_argument("message")
    sql = sub.add_parser("sql", help="print the DDL of every revision for a dialect")
    sql.add_argument("dialect", choices=["postgresql", "sqlite"])
    args = parser.parse_args(argv)
    if args.command == "upgrade":
        print(upgrade(args.url))
    elif args.command == "current":
        print(current_revision(args.url))
    elif args.command == "revision":
        path = new_revision(args.message)
        print(f"wrote {path}; review it by hand")
    else:
        with _ALEMBIC:
            command.upgrade(alembic_config(url=f"{args.dialect}://"), "head", sql=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
