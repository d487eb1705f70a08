"""Engine and session set-up. One place decides which database is used."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE_PATH = Path("data") / "haidang.db"


def with_driver(url: str) -> str:
    """``postgresql://…`` as ``postgresql+psycopg://…``: psycopg 3 is our driver, and the
    plain form is what people copy from docs. Other URLs are returned as they are."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def database_url() -> str:
    """``HAIDANG_DATABASE_URL`` if set, else the SQLite file ``data/haidang.db``."""
    url = os.environ.get("HAIDANG_DATABASE_URL")
    return with_driver(url) if url else f"sqlite:///{DEFAULT_SQLITE_PATH}"


def make_engine(url: str | None = None) -> Engine:
    url = with_driver(url) if url else database_url()
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, object] = {}
    if make_url(url).get_driver_name() == "psycopg":
        # psycopg prepares a statement after five runs, and PostgreSQL then soon plans it
        # generically, blind to the search words and dates: at 1M articles a date-sorted,
        # date-filtered two-word search went from 6 ms to 1.2 s (bench/search.py --url).
        # Searches are short and their best plan depends on the values: plan each one.
        connect_args["prepare_threshold"] = None
    engine = create_engine(url, future=True, connect_args=connect_args)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


# Execution option: begin the transaction as a writer (see ``begin_writing``).
_IMMEDIATE = "haidang_begin_immediate"
# PostgreSQL advisory lock key of ``begin_writing(..., serialise=True)`` ("HD" + 1).
_WRITER_LOCK = 0x4844_0001


def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
    immediate = connection.get_execution_options().get(_IMMEDIATE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_writing(session: Session, *, serialise: bool = False) -> None:
    """Start ``session``'s transaction as a writer; call before its first statement.

    SQLite: ``BEGIN IMMEDIATE`` takes the write lock at once (waiting up to the busy
    timeout). A plain ``BEGIN`` that reads first and writes later fails at once with
    "database is locked" when another process committed in between, which happens
    when the crawl stores articles while analysis workers write their results.
    ``serialise`` also makes such transactions wait for each other on PostgreSQL
    (an advisory lock until commit), for work that must see what the previous
    writer did, such as story clustering (two copies analysed at once must not
    each miss the other). On SQLite writers are serialised anyway.
    """
    connection = session.connection(execution_options={_IMMEDIATE: True})
    if serialise and connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_WRITER_LOCK})")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # pysqlite's own transaction handling breaks SAVEPOINTs (a "nested" insert was
    # committed at once and survived a rollback). Let SQLAlchemy issue BEGIN itself,
    # as SQLAlchemy's SQLite documentation advises.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the web app read while a crawl writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL cannot corrupt the database; a power cut may lose the last commits,
    # which the next crawl fetches again. FULL would sync the disk on every article.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A writer waits this long for the write lock. The crawl's writer thread and the
    # low-priority analysis workers take turns; on a loaded machine a niced worker can be
    # slow to get its turn, and 10 s let a few results fail (they stay pending, but why fail).
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction: committed when the block ends, rolled back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
