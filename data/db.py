"""Database engine creation and schema migrations (Alembic), for SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, delete, event, insert, inspect
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
UNICODE_LOWER = "ts_lower"  # SQLite function: Python's str.lower (PostgreSQL's lower() is Unicode-aware)


def _unicode_lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def make_engine(database_url: str) -> Engine:
    """Create the engine for ``database_url``; SQLite gets WAL, a busy timeout, foreign keys and a
    Unicode ``ts_lower`` function."""
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            connect_args={"timeout": 30, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            # SQLite's lower() folds ASCII only ("Água" stays "Água"): searches use this one.
            dbapi_conn.create_function(UNICODE_LOWER, 1, _unicode_lower, deterministic=True)

        return engine
    return create_engine(database_url, pool_pre_ping=True)


def begin_write(conn: Connection) -> None:
    """On SQLite, take the database's write lock now, at the start of ``conn``'s transaction.

    Python's sqlite3 opens a transaction lazily (a deferred ``BEGIN`` before the first write), so a
    transaction that reads the database and writes afterwards can find, at its first write, that
    another connection committed since its read snapshot: SQLite then answers "database is locked"
    at once, without waiting out the busy timeout (a test saw an import fail that way while the
    scheduler's workers wrote heartbeats). ``BEGIN IMMEDIATE`` waits for the lock up front (busy
    timeout), and every read of the transaction sees the state it writes on. A no-op on PostgreSQL
    (its writers lock rows and tables explicitly) and when the transaction already began.
    """
    if conn.dialect.name != "sqlite":
        return
    if not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine`` (objects stay usable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade_database(engine: Engine) -> None:
    """Create or upgrade every table to the newest migration; safe to run any number of times."""
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")


def current_revision(engine: Engine) -> str | None:
    """The migration revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def has_schema(engine: Engine) -> bool:
    """True when the database already holds the Trend Sales tables."""
    return inspect(engine).has_table("sales")


def check_writable(engine: Engine) -> None:
    """Raise (SQLAlchemy's error) unless this process can write to the database: a throw-away row is
    inserted and rolled back, which needs the same write access as any real write."""
    from data.schema import Lock, utc_now

    with engine.connect() as conn, conn.begin() as transaction:
        name = f"write-check:{secrets.token_hex(4)}"
        now = utc_now()
        conn.execute(insert(Lock).values(name=name, holder="write-check", acquired_at=now, expires_at=now))
        conn.execute(delete(Lock).where(Lock.name == name))
        transaction.rollback()
