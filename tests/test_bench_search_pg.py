"""The search benchmark on PostgreSQL: a scratch database, measured, then dropped.

Runs only when ``HAIDANG_TEST_POSTGRES_URL`` is set (its server must allow
``CREATE DATABASE``); the scratch database gets a name of its own, so a benchmark
running on the same server is not disturbed.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from collections.abc import Iterator
from types import ModuleType

import pytest
from sqlalchemy import create_engine, text

from storage.db import with_driver
from tests.conftest import REPO, SHARED_DATA

PG_URL = os.environ.get("HAIDANG_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(
    not PG_URL, reason="HAIDANG_TEST_POSTGRES_URL is not set: PostgreSQL bench test skipped"
)


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    # Loaded by path: putting bench/ on sys.path would shadow packages (bench/nlp.py).
    spec = importlib.util.spec_from_file_location("bench_search", REPO / "bench" / "search.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_search", module)  # dataclasses look it up
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "PG_DATABASE", f"haidang_bench_t{uuid.uuid4().hex[:10]}")
    yield module
    _admin(f"DROP DATABASE IF EXISTS {module.PG_DATABASE} WITH (FORCE)")  # if a test failed


def _admin(sql: str, **params: str) -> bool:
    """Run ``sql`` on the test server (autocommit); whether it returned a row."""
    assert PG_URL
    admin = create_engine(
        with_driver(PG_URL), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            result = conn.execute(text(sql), params)
            return result.returns_rows and result.first() is not None
    finally:
        admin.dispose()


def _exists(name: str) -> bool:
    return _admin("SELECT 1 FROM pg_database WHERE datname = :d", d=name)


def test_runs_on_a_scratch_database_and_drops_it(bench: ModuleType) -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent")
    assert PG_URL
    with bench.pg_database(PG_URL, keep=False) as (url, reuse):
        assert not reuse and _exists(bench.PG_DATABASE)
        results = bench.run(url, reuse, 400, 3, None)
    assert not _exists(bench.PG_DATABASE)
    assert results["articles"] == 400 and results["bulk_load_per_s"] > 0
    assert results["db_bytes_per_article"] > 0
    # Too few articles for the sampled words to match reliably; the queries ran on both sides.
    assert len(results["latency_ms"]) == 4
    assert all(row["bare_p95"] > 0 and row["sql_p95"] > 0 for row in results["latency_ms"].values())
    assert len(results["analytics_ms"]) == 8


def test_refuses_an_existing_database_unless_kept_and_drops_on_failure(
    bench: ModuleType,
) -> None:
    assert PG_URL
    with bench.pg_database(PG_URL, keep=True) as (_url, reuse):
        assert not reuse
    assert _exists(bench.PG_DATABASE)
    with pytest.raises(SystemExit, match="already exists"):
        with bench.pg_database(PG_URL, keep=False):
            pass
    with bench.pg_database(PG_URL, keep=True) as (_url, reuse):
        assert reuse
    assert _exists(bench.PG_DATABASE)
    # Only a database the bench created is ever dropped: on failure too.
    _admin(f"DROP DATABASE {bench.PG_DATABASE}")
    with pytest.raises(RuntimeError):
        with bench.pg_database(PG_URL, keep=False):
            assert _exists(bench.PG_DATABASE)
            raise RuntimeError("load failed")
    assert not _exists(bench.PG_DATABASE)
