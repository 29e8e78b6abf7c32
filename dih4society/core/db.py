"""Database helpers: column types, UTC time, SQLite set-up and write transactions.

SQLite is set up as DESIGN.md §4 asks: WAL, a busy timeout, foreign keys on, and
write transactions that start with ``BEGIN IMMEDIATE`` so a read-then-write
transaction waits for the lock instead of failing with SQLITE_BUSY.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
from collections.abc import Iterator
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

#: GET endpoints that write (e.g. marking notifications read): they begin IMMEDIATE too,
#: since a SQLite read transaction cannot be upgraded to a write in WAL mode.
WRITE_ON_GET: set[str] = {"main.notifications"}

#: Whether transactions begun in this context will write (SQLite: BEGIN IMMEDIATE).
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


def utcnow() -> datetime:
    """Timezone-aware current UTC time (the only clock the models use)."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores aware datetimes as UTC and always returns them aware (SQLite drops tz)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime stored; use utcnow()")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def enum_type(enum_cls: type[enum.Enum]) -> sa.Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint listing the values."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
        name=enum_cls.__name__.lower(),
    )


def install_sqlite_pragmas(engine: Engine) -> None:
    """Configure a pysqlite engine: pragmas on connect, explicit BEGIN handling."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - trivial
        # Let SQLAlchemy emit BEGIN itself (pysqlite would otherwise begin lazily).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


@contextlib.contextmanager
def read_only() -> Iterator[None]:
    """Mark transactions started inside the block as readers (plain BEGIN on SQLite)."""
    token = write_intent.set(False)
    try:
        yield
    finally:
        write_intent.reset(token)


def is_postgres(session) -> bool:
    """True when the session is bound to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"
