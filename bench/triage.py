"""Triage queue benchmark: the "Cần xử lý" first page after a year of flags.

Seeds N flags (default 20,000; about 90% closed: dismissed or responded, the rest
new, under review, awaiting a response or reopened, some of them assigned) with
their articles, topics and event histories in a temporary SQLite database, then
times the queue's first page two ways in the same run:

* old: the queue as it was before paging (``old_queue`` below, kept as the
  baseline): load every flag with its events and article, derive each status in
  Python, filter, sort, then keep the first page;
* new: ``web.triage_view.queue``, filtered, sorted and paged in SQL.

Each timing is the median of ``--repeat`` runs, each in a fresh session (as a web
request would be). Both must return the same page; the bench says so and exits
non-zero when they do not. The database is deleted afterwards.

    .venv/bin/python bench/triage.py
    .venv/bin/python bench/triage.py --n 50000 --closed 0.95 --repeat 3
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.triage import CLOSED, FlagStatus, TriageError, view  # noqa: E402
from storage.db import make_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Article, ArticleTopic, Flag, FlagEvent, Source  # noqa: E402
from web.triage_view import (  # noqa: E402
    ALL,
    OPEN,
    PAGE_SIZE,
    SEVERITY_RANK,
    UNASSIGNED,
    QueueFilters,
    QueueRow,
    queue,
)

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
TOPICS = ("bien_dao", "dau_tu", "chuyen_doi_so", "van_hoa_du_lich")
USERS = ("phatngon", "bientap", "lanhdao")
BATCH = 5000


def old_queue(session: Session, filters: QueueFilters, now: datetime) -> list[QueueRow]:
    """The queue before it was paged in SQL, unchanged: every flag loaded, filtered in Python.

    The baseline of this bench, and the reference of the parity test
    (tests/test_triage_queue.py), which checks that the SQL queue returns what this returns.
    """
    if filters.status not in (OPEN, ALL) and filters.status not in set(FlagStatus):
        raise TriageError(f"unknown status '{filters.status}'")
    rows = []
    for flag in session.scalars(select(Flag)).unique():
        v = view(flag, now)
        if filters.status == OPEN and v.status in CLOSED:
            continue
        if filters.status not in (OPEN, ALL) and v.status.value != filters.status:
            continue
        if filters.assignee == UNASSIGNED and v.assignee is not None:
            continue
        if filters.assignee not in ("", UNASSIGNED) and v.assignee != filters.assignee:
            continue
        topics = tuple(t.topic for t in flag.article.topics)
        if filters.topic and filters.topic not in topics:
            continue
        rows.append(
            QueueRow(
                view=v,
                source_name=flag.article.source.name,
                topics=topics,
                province_relevant=flag.article.province_relevant,
            )
        )
    far = datetime.max.replace(tzinfo=UTC)
    rows.sort(
        key=lambda r: (
            SEVERITY_RANK.get(r.view.severity, len(SEVERITY_RANK)),
            r.view.due_at or far,
            -r.view.score,
            r.view.id,
        )
    )
    return rows


# Event histories after "created": (action, status, data), in order.
History = list[tuple[str, str | None, dict[str, Any]]]


def _history(rng: random.Random, closed: bool) -> History:
    out: History = []
    if rng.random() < 0.6:
        out.append(("assign", None, {"assignee": rng.choice(USERS)}))
    if closed:
        out.append(("status", "reviewing", {}))
        if rng.random() < 0.7:
            out.append(("status", "dismissed", {}))
        else:
            out.append(("status", "needs_response", {}))
            out.append(("note", None, {}))
            out.append(("respond", "responded", {"text": "Thông cáo", "label": "misleading"}))
        return out
    path = rng.choice(["new", "reviewing", "needs_response", "reopened"])
    if path == "reviewing":
        out.append(("status", "reviewing", {}))
    elif path == "needs_response":
        out += [("status", "reviewing", {}), ("status", "needs_response", {})]
    elif path == "reopened":
        out += [("status", "reviewing", {}), ("status", "dismissed", {})]
        out.append(("status", "reopened", {}))
    return out


def seed(sessions: sessionmaker[Session], n: int, closed_share: float, rng: random.Random) -> int:
    """N articles, each with a flag and its events; returns the number of events."""
    with sessions.begin() as session:
        session.add(
            Source(
                id="blog", name="Trang mạng", type="rss", url="http://127.0.0.1/blog.rss",
                kind="blog", lang="vi", tier=4, enabled=True, consecutive_failures=0,
                skipped_irrelevant=0,
            )
        )  # fmt: skip
    events = 0
    for start in range(0, n, BATCH):
        ids = range(start + 1, min(n, start + BATCH) + 1)
        articles, topics, flags, flag_events = [], [], [], []
        for i in ids:
            created = NOW - timedelta(minutes=i * 20)  # a year of flags, newest first
            articles.append(
                {
                    "id": i, "canonical_url": f"https://blog.example.vn/{i}",
                    "url": f"https://blog.example.vn/{i}", "source_id": "blog",
                    "title": f"Tin số {i}: tàu lạ gần đảo", "summary": "", "text": "Nội dung.",
                    "author": "", "lang": "vi", "published_at": created, "fetched_at": created,
                    "updated_at": created, "content_hash": f"{i:064d}",
                    "province_relevant": rng.random() < 0.3, "places": [], "entities": [],
                    "risk_score": 0.0, "analysis_version": "bench", "version": 1,
                }
            )  # fmt: skip
            for topic in rng.sample(TOPICS, rng.randint(0, 2)):
                topics.append({"article_id": i, "topic": topic, "score": 0.8, "evidence": []})
            severity = rng.choices(["high", "medium", "low"], weights=[1, 3, 6])[0]
            hours = {"high": 4, "medium": 24, "low": 72}[severity]
            flags.append(
                {
                    "id": i, "article_id": i, "score": round(rng.uniform(0.4, 1.0), 3),
                    "severity": severity, "signals": [{"name": "sensational", "weight": 0.3}],
                    "created_at": created, "due_at": created + timedelta(hours=hours),
                }
            )  # fmt: skip
            history = [("created", "new", {})] + _history(rng, rng.random() < closed_share)
            for k, (action, status, data) in enumerate(history):
                flag_events.append(
                    {
                        "flag_id": i, "at": created + timedelta(minutes=k), "actor": "system",
                        "action": action, "status": status, "note": "", "data": data,
                    }
                )  # fmt: skip
        with sessions.begin() as session:
            session.execute(insert(Article), articles)
            if topics:
                session.execute(insert(ArticleTopic), topics)
            session.execute(insert(Flag), flags)
            session.execute(insert(FlagEvent), flag_events)
        events += len(flag_events)
    return events


def timed(
    sessions: sessionmaker[Session], repeat: int, run: Callable[[Session], list[int]]
) -> tuple[float, list[int]]:
    """Median seconds of ``repeat`` runs, each in a fresh session, and the ids of the last run."""
    times, ids = [], []
    for _ in range(repeat):
        with sessions() as session:
            t0 = time.perf_counter()
            ids = run(session)
            times.append(time.perf_counter() - t0)
    return statistics.median(times), ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="flags to seed (default 20,000)")
    parser.add_argument("--closed", type=float, default=0.9, help="share closed (default 0.9)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (median)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="haidang-bench-triage-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        sessions = session_factory(engine)
        t0 = time.perf_counter()
        events = seed(sessions, args.n, args.closed, rng)
        print(f"seeded {args.n} flags, {events} events in {time.perf_counter() - t0:.1f} s")
        failed = False
        scenarios = [
            ("open (default view)", QueueFilters()),
            ("open, unassigned", QueueFilters(assignee=UNASSIGNED)),
            ("all statuses", QueueFilters(status=ALL)),
        ]
        for name, filters in scenarios:

            def old(session: Session, filters: QueueFilters = filters) -> list[int]:
                return [r.view.id for r in old_queue(session, filters, NOW)[:PAGE_SIZE]]

            def new(session: Session, filters: QueueFilters = filters) -> list[int]:
                return [r.view.id for r in queue(session, filters, NOW, page=1).rows]

            old_s, old_ids = timed(sessions, args.repeat, old)
            new_s, new_ids = timed(sessions, args.repeat, new)
            with sessions() as session:
                total = queue(session, filters, NOW).total
            same = old_ids == new_ids
            failed |= not same
            print(
                f"{name:22s} {total:6d} match  first page of {PAGE_SIZE}: "
                f"old {old_s * 1000:8.1f} ms  new {new_s * 1000:7.1f} ms  "
                f"ratio old/new {old_s / new_s:6.1f}x  same page: {'yes' if same else 'NO'}"
            )
        engine.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
