"""Shared fixtures.

Database tests run on SQLite always, and on PostgreSQL too when
``HAIDANG_TEST_POSTGRES_URL`` is set (CI sets it). Each test session migrates a
fresh database once (on PostgreSQL: a fresh schema of its own, so parallel runs
do not meet); each test then starts from empty tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, session_factory, with_driver
from storage.migrate import upgrade
from storage.models import Base

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"

ENGINES = ["sqlite"] + (["postgres"] if os.environ.get("HAIDANG_TEST_POSTGRES_URL") else [])


@dataclass
class Database:
    name: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    # Set as HAIDANG_DATABASE_URL for code and subprocesses that open their own engine.
    env: dict[str, str]

    def session(self) -> Session:
        return self.sessions()


def _pg_url() -> str:
    return with_driver(os.environ["HAIDANG_TEST_POSTGRES_URL"])


@pytest.fixture(scope="session", params=ENGINES)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "haidang.db"
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        upgrade(engine)
        yield Database("sqlite", url, engine, session_factory(engine), {"HAIDANG_DATABASE_URL": url})
        engine.dispose()
        return
    base = _pg_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    try:
        yield Database("postgres", url, engine, session_factory(engine), {"HAIDANG_DATABASE_URL": url})
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A migrated database with empty tables, also exported as HAIDANG_DATABASE_URL."""
    monkeypatch.setenv("HAIDANG_DATABASE_URL", database.url)
    yield database
    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent; skipping tests that read it")
    return SHARED_DATA


@pytest.fixture
def config_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], str]:
    """Load the configuration with one file replaced (``name``, ``content``); the problems it
    reports, one per line (the load must fail)."""
    from config import ConfigError, load_config

    def load(name: str, content: str) -> str:
        (tmp_path / name).write_text(content, encoding="utf-8")
        monkeypatch.setenv("HAIDANG_CONFIG_DIR", str(tmp_path))
        with pytest.raises(ConfigError) as info:
            load_config()
        return "\n".join(info.value.problems)

    return load
