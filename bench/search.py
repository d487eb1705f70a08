"""Search benchmark: a synthetic corpus shaped like the real data, then latency figures.

Builds N articles (default 1,000,000) in a temporary SQLite database, or a scratch
PostgreSQL database, by sampling and recombining the real data in ``../shared/data``
(titles, sentences, so the vocabulary; lengths; dates; sources; topics and province
relevance from keyword rules over the sampled text). Nothing is copied into the
repository; the database is deleted afterwards unless ``--keep``.

Measures search latency (p50/p95) for 1-word, 2-word, phrase and date-filtered
2-word queries, each against the bare index query on the same database in the same
run (SQLite: an FTS5 ``MATCH ... ORDER BY rank``; PostgreSQL: the GIN ``tsv @@ q``
ordered by ``ts_rank``); facet and time-series latency over the whole corpus;
database size per article; and the bulk-load rate.

    .venv/bin/python bench/search.py --n 100000
    .venv/bin/python bench/search.py            # 1,000,000 articles (disk: several GB)

PostgreSQL: ``--url`` names a server and a database to connect to for ``CREATE
DATABASE`` (normally ``postgres``); the bench creates ``haidang_bench`` there,
migrates, loads, ``VACUUM ANALYZE``s (autovacuum's work on a production database) and
measures it, then drops it, also when the run fails. It refuses to start if that database
exists, except with ``--keep``, which re-uses it (as ``--dir`` with ``--keep`` does
for SQLite) and keeps it afterwards.

    .venv/bin/python bench/search.py --url postgresql://postgres@127.0.0.1:5432/postgres --n 100000
    psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE haidang_bench'   # after a --keep run
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, make_url, text
from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from storage.db import make_engine, with_driver  # noqa: E402
from storage.fts import index_rows  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Article, ArticleTopic, Source  # noqa: E402
from storage.search import (  # noqa: E402
    Bucket,
    SearchFilters,
    SearchRequest,
    Sort,
    facets,
    search,
    time_series,
)
from storage.search.engine import matching_ids  # noqa: E402
from storage.search.query import Node, parse, to_fts5, to_tsquery  # noqa: E402

DATA = REPO.parent / "shared" / "data"
BATCH = 5000
PG_DATABASE = "haidang_bench"

# Rules that give the synthetic items topics and province relevance from their sampled
# text, so their frequencies follow the real data's content.
TOPIC_RULES = {
    "bien_dao": "biển đông|hoàng sa|trường sa|ngư dân|cảnh sát biển|hải quân|chủ quyền biển",
    "bien_gioi": "biên giới|cửa khẩu|biên phòng",
    "nhan_quyen": "nhân quyền|tôn giáo|tín ngưỡng|buôn người",
    "dau_tu": "đầu tư|fdi|khu công nghiệp|doanh nghiệp",
    "chuyen_doi_so": "chuyển đổi số|vneid|dịch vụ công|trí tuệ nhân tạo| ai ",
    "van_hoa_du_lich": "du lịch|di tích|lễ hội|bảo tàng|di sản",
    "san_pham": "thanh long|nước mắm|cà phê|sầu riêng|ocop|xuất khẩu gạo|nông sản",
    "hop_tac_quoc_te": "hợp tác|ngoại giao|thăm chính thức|asean|liên hợp quốc",
    "khcn": "khoa học|công nghệ|đổi mới sáng tạo|bán dẫn|nghiên cứu",
}
PROVINCE_RULE = "bình thuận|phan thiết|mũi né|phú quý|la gi|tuy phong|hàm thuận|đức linh|tánh linh"


@dataclass
class Pools:
    titles: list[list[str]]
    sentences: list[str]
    short_lengths: list[int]  # body lengths in words: RSS items (title + summary)
    long_lengths: list[int]  # and full-text articles
    dates: list[datetime]
    sources: list[str]


def _read(name: str) -> Iterator[dict[str, Any]]:
    path = DATA / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        for line in fh:
            yield json.loads(line)


def load_pools() -> Pools:
    titles: list[list[str]] = []
    sentences: list[str] = []
    dates: list[datetime] = []
    sources: list[str] = []
    lengths: dict[str, list[int]] = {"rss": [], "dantri": []}
    split = re.compile(r"(?<=[.!?])\s+|\n+")
    for name in ("rss_headlines_2025.jsonl.gz", "dantri_unc.jsonl.gz"):
        for rec in _read(name):
            if rec.get("title"):
                titles.append(rec["title"].split())
            body = rec.get("text") or ""
            sentences.extend(s for s in split.split(body) if len(s.split()) >= 4)
            lengths[name.split("_")[0]].append(len(body.split()))
            if rec.get("date"):
                dates.append(datetime.fromisoformat(rec["date"]).astimezone(UTC))
            sources.append(str(rec.get("source") or name.split("_")[0]))
    return Pools(titles, sentences, lengths["rss"], lengths["dantri"], dates, sources)


def generate(pools: Pools, n: int, long_share: float, seed: int = 1) -> Iterator[dict[str, Any]]:
    """Synthetic articles: recombined titles, sentences up to a sampled length, jittered dates.

    A share ``long_share`` of items take their length from the full-text articles,
    the rest from the RSS items.
    """
    rng = random.Random(seed)
    # Plain substring tests on lower-cased text: regexes here cost more than the load itself.
    topic_words = {t: tuple(r.split("|")) for t, r in TOPIC_RULES.items()}
    province_words = tuple(PROVINCE_RULE.split("|"))
    source_ids = {s: f"src{i:02d}" for i, s in enumerate(sorted(set(pools.sources)))}
    for i in range(n):
        a, b = rng.choice(pools.titles), rng.choice(pools.titles)
        title = " ".join(a[: len(a) // 2] + b[len(b) // 2 :])
        target = rng.choice(
            pools.long_lengths if rng.random() < long_share else pools.short_lengths
        )
        parts: list[str] = []
        words = 0
        while words < target:
            s = rng.choice(pools.sentences)
            parts.append(s)
            words += s.count(" ") + 1
        body = " ".join(parts)
        summary, _, rest = body.partition(". ")
        published = rng.choice(pools.dates) + timedelta(minutes=rng.randint(-720, 720))
        sample = (title + " " + body[:3000]).lower()
        yield {
            "id": i + 1,
            "canonical_url": f"https://bench.invalid/{i}",
            "url": f"https://bench.invalid/{i}",
            "source_id": source_ids[rng.choice(pools.sources)],
            "title": title,
            "summary": summary if rest else "",
            "text": rest if rest else body,
            "author": "",
            "lang": "vi",
            "published_at": published,
            "fetched_at": published,
            "updated_at": published,
            "content_hash": f"{i:064x}",
            "province_relevant": any(w in sample for w in province_words),
            "places": [],
            "entities": [],
            "risk_score": 0.0,
            "analysis_version": "bench",
            "version": 1,
            "_topics": [t for t, ws in topic_words.items() if any(w in sample for w in ws)],
        }


def bulk_load(engine: Engine, pools: Pools, n: int, long_share: float) -> float:
    """Insert and index ``n`` articles; returns articles per second (generation included)."""
    names = sorted(set(pools.sources))
    with engine.begin() as conn:
        conn.execute(
            insert(Source),
            [
                {"id": f"src{i:02d}", "name": s, "type": "rss", "url": "https://bench.invalid",
                 "kind": "social" if i % 7 == 0 else "press", "lang": "vi", "tier": 1 + i % 3,
                 "enabled": True, "consecutive_failures": 0, "skipped_irrelevant": 0}
                for i, s in enumerate(names)
            ],
        )  # fmt: skip
    start = time.perf_counter()
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        with engine.begin() as conn:
            topics = [{"article_id": r["id"], "topic": t, "score": 0.5, "evidence": []}
                      for r in batch for t in r.pop("_topics")]  # fmt: skip
            conn.execute(insert(Article), batch)
            if topics:
                conn.execute(insert(ArticleTopic), topics)
            index_rows(conn, [(r["id"], r["title"], r["summary"], r["text"]) for r in batch])
        batch.clear()

    for i, row in enumerate(generate(pools, n, long_share), start=1):
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
        if i % 50000 == 0:
            rate = i / (time.perf_counter() - start)
            print(f"  loaded {i:,} ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    if batch:
        flush()
    return n / (time.perf_counter() - start)


def _timed(fn: Callable[[], object], repeat: int = 1) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def query_sets(pools: Pools, k: int, seed: int = 2) -> dict[str, list[str]]:
    """Queries drawn from the corpus vocabulary: content words (frequency rank 100-5,000)."""
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    for s in rng.sample(pools.sentences, min(40000, len(pools.sentences))):
        counts.update(w for w in s.lower().split() if w.isalpha())
    vocab = [w for w, _ in counts.most_common(5000)[100:]]
    phrases: list[str] = []
    while len(phrases) < k:
        words = [w for w in rng.choice(pools.sentences).split() if w.isalpha()]
        if len(words) >= 3:
            j = rng.randrange(len(words) - 1)
            phrases.append('"' + " ".join(words[j : j + 2]) + '"')
    return {
        "1-word": [rng.choice(vocab) for _ in range(k)],
        "2-word": [f"{rng.choice(vocab)} {rng.choice(vocab)}" for _ in range(k)],
        "phrase": phrases,
    }


@dataclass(frozen=True)
class Bare:
    """One engine's bare index queries (all take the compiled query as ``:q``) and upkeep."""

    compile: Callable[[Node], str]
    page: str  # 20 ids, best first
    count: str  # all matches
    size: str  # database bytes
    settle: Callable[[Engine], None]  # after loading: statistics, and nothing left pending


def _settle_sqlite(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("ANALYZE")


def _settle_pg(engine: Engine) -> None:
    # VACUUM as well as ANALYZE: it empties the GIN pending list and sets the visibility
    # map (index-only scans), as autovacuum would have done on a production database.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


BARE = {
    "sqlite": Bare(
        to_fts5,
        "SELECT rowid FROM article_fts WHERE article_fts MATCH :q ORDER BY rank LIMIT 20",
        "SELECT count(*) FROM article_fts WHERE article_fts MATCH :q",
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        _settle_sqlite,
    ),
    "postgresql": Bare(
        to_tsquery,
        "SELECT article_id FROM article_search WHERE tsv @@ CAST(:q AS tsquery) "
        "ORDER BY ts_rank(tsv, CAST(:q AS tsquery)) DESC LIMIT 20",
        "SELECT count(*) FROM article_search WHERE tsv @@ CAST(:q AS tsquery)",
        "SELECT pg_database_size(current_database())",
        _settle_pg,
    ),
}


def bare_query(session: Session, sql: str, q: str) -> None:
    session.execute(text(sql), {"q": q}).all()


def page_ids(session: Session, request: SearchRequest) -> None:
    """Only the SQL part of a search: one ranked page of ids."""
    session.execute(matching_ids(session, request)).all()


@contextmanager
def sqlite_database(workdir: Path | None, keep: bool) -> Iterator[tuple[str, bool]]:
    """(URL, whether it exists already) of ``bench.db`` in ``workdir``, deleted afterwards
    unless ``keep``; without ``workdir``, in a temporary folder (deleted in any case)."""
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="haidang-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}", False
        return
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "bench.db"
    yield f"sqlite:///{db_path}", db_path.exists()
    if not keep:
        for p in workdir.glob("bench.db*"):
            p.unlink()


@contextmanager
def pg_database(server_url: str, keep: bool) -> Iterator[tuple[str, bool]]:
    """(URL, whether it exists already) of the scratch database ``PG_DATABASE``, created
    through ``server_url``; dropped afterwards (even on failure) unless ``keep``."""
    admin_url = make_url(with_driver(server_url))
    if admin_url.database == PG_DATABASE:
        sys.exit(f"bench/search.py: --url must name another database than {PG_DATABASE} "
                 "(e.g. postgres): the bench creates and drops that one itself")  # fmt: skip
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": PG_DATABASE}
            ).first() is not None  # fmt: skip
            if exists and not keep:
                sys.exit(f"bench/search.py: database {PG_DATABASE} already exists on "
                         f"{admin_url.host}; re-use it with --keep, or drop it first")  # fmt: skip
            if not exists:
                conn.exec_driver_sql(f"CREATE DATABASE {PG_DATABASE}")
        try:
            yield admin_url.set(database=PG_DATABASE).render_as_string(hide_password=False), exists
        finally:
            if not keep:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    finally:
        admin.dispose()


def run(url: str, reuse: bool, n: int, queries: int, long_share: float | None) -> dict[str, Any]:
    print(f"reading {DATA} ...", file=sys.stderr)
    pools = load_pools()
    engine = make_engine(url)
    where = engine.url.database
    bare = BARE[engine.dialect.name]
    if long_share is None:  # as in the real data
        long_share = len(pools.long_lengths) / (len(pools.long_lengths) + len(pools.short_lengths))
    if reuse:
        # A database kept by an earlier --keep run: measure it again without reloading.
        with engine.connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM articles")).scalar_one()
        print(f"re-using {where} ({n:,} articles)", file=sys.stderr)
        rate = float("nan")
    else:
        upgrade(engine)
        print(f"loading {n:,} articles into {where} ...", file=sys.stderr)
        rate = bulk_load(engine, pools, n, long_share)
    bare.settle(engine)
    with engine.connect() as conn:
        size = conn.execute(text(bare.size)).scalar_one()
    results: dict[str, Any] = {
        "articles": n,
        "long_share": round(long_share, 3),
        "bulk_load_per_s": None if reuse else round(rate),
        "db_bytes_per_article": round(size / n),
        "db_mb": round(size / 1e6),
        "latency_ms": {},
    }
    sets = query_sets(pools, queries)
    last = max(pools.dates)
    month = SearchFilters(date_from=(last - timedelta(days=30)).date(), date_to=last.date())
    cases = [
        ("1-word", sets["1-word"], SearchFilters()),
        ("2-word", sets["2-word"], SearchFilters()),
        ("phrase", sets["phrase"], SearchFilters()),
        ("2-word + 30-day filter", sets["2-word"], month),
    ]
    everything = SearchFilters()
    with Session(engine) as session:
        for q in sets["1-word"][:5]:  # warm the page cache
            search(session, SearchRequest(query=q), with_total=False)
        for label, qs, filters in cases:
            ours_sql, ours_full, base, counts = [], [], [], []
            for q in qs:
                node = parse(q)
                assert node is not None
                fq = bare.compile(node)
                req = SearchRequest(query=q, filters=filters, sort=Sort.RELEVANCE, limit=20)
                base += _timed(partial(bare_query, session, bare.page, fq))
                ours_sql += _timed(partial(page_ids, session, req))
                ours_full += _timed(partial(search, session, req, with_total=False))
                counts.append(session.execute(text(bare.count), {"q": fq}).scalar_one())
            row = {
                "bare_p50": _pct(base, 0.5), "bare_p95": _pct(base, 0.95),
                "sql_p50": _pct(ours_sql, 0.5), "sql_p95": _pct(ours_sql, 0.95),
                "search_p50": _pct(ours_full, 0.5), "search_p95": _pct(ours_full, 0.95),
                "median_matches": statistics.median(counts),
            }  # fmt: skip
            row["ratio_p95_sql"] = row["sql_p95"] / row["bare_p95"]
            row["ratio_p95_search"] = row["search_p95"] / row["bare_p95"]
            results["latency_ms"][label] = {k: round(v, 2) for k, v in row.items()}
            print(f"  {label}: {results['latency_ms'][label]}", file=sys.stderr)

        def best(fn: Callable[[], object]) -> float:
            return round(min(_timed(fn, 3)), 1)

        some = sets["2-word"][0]
        results["analytics_ms"] = {
            "facets, whole corpus": best(partial(facets, session, "", everything)),
            "time series by day, whole corpus": best(partial(time_series, session, "", everything)),
            "time series by week, whole corpus": best(
                partial(time_series, session, "", everything, Bucket.WEEK)
            ),
            "facets, 30-day filter": best(partial(facets, session, "", month)),
            "facets, province filter": best(
                partial(facets, session, "", SearchFilters(province=True))
            ),
            f"facets, query {some!r}": best(partial(facets, session, some, everything)),
            f"time series by day, query {some!r}": best(
                partial(time_series, session, some, everything)
            ),
            "newest 20, no query, 30-day filter": best(
                partial(page_ids, session, SearchRequest(query="", filters=month, sort=Sort.DATE))
            ),
        }
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000, help="articles to generate")
    parser.add_argument("--queries", type=int, default=100, help="queries per kind")
    parser.add_argument(
        "--dir", type=Path, default=None,
        help="where the database goes; with --keep, a later run with the same --dir re-uses it",
    )  # fmt: skip
    parser.add_argument(
        "--url", default=None,
        help=f"PostgreSQL instead of SQLite: postgresql://user@host:port/postgres, where the "
        f"bench creates (and drops) the database {PG_DATABASE}; with --keep, re-uses it",
    )  # fmt: skip
    parser.add_argument(
        "--long-share", type=float, default=None,
        help="share of full-text-length articles (default: as in the data, about 3%%)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if args.url is not None and not args.url.startswith("postgresql"):
        parser.error("--url takes a PostgreSQL URL (postgresql://...); SQLite uses --dir")
    if args.url is not None and args.dir is not None:
        parser.error("--dir is for SQLite; with --url the database is on the server")
    if not DATA.is_dir():
        sys.exit(
            f"bench/search.py: the shared data folder {DATA} is absent; nothing to sample from"
        )
    scratch = pg_database(args.url, args.keep) if args.url else sqlite_database(args.dir, args.keep)
    with scratch as (url, reuse):
        results = run(url, reuse, args.n, args.queries, args.long_share)
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
