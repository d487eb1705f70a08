"""Seed the database directly with articles, for digest, alert and report tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from storage.models import Article, ArticleTopic, Flag, Source


def add_source(
    session: Session,
    source_id: str,
    name: str,
    tier: int = 1,
    kind: str = "national_press",
    **extra: object,
) -> Source:
    """A source row as ``sync_sources`` would make it (tests seed the table directly)."""
    fields: dict[str, object] = {
        "id": source_id,
        "name": name,
        "type": "rss",
        "url": f"http://127.0.0.1/{source_id}.rss",
        "kind": kind,
        "lang": "vi",
        "tier": tier,
        "enabled": True,
        "consecutive_failures": 0,
        "skipped_irrelevant": 0,
        "added_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    source = Source(**(fields | extra))
    session.add(source)
    session.flush()
    return source


def add_article(
    session: Session,
    source_id: str,
    title: str,
    when: datetime,
    topics: tuple[str, ...] = (),
    province: bool = False,
    cluster_id: int | None = None,
    text: str = "",
) -> Article:
    url = f"http://127.0.0.1/{source_id}/{hashlib.sha1(title.encode()).hexdigest()[:10]}.html"
    article = Article(
        canonical_url=url,
        url=url,
        source_id=source_id,
        title=title,
        text=text or title,
        summary="",
        author="",
        lang="vi",
        published_at=when,
        fetched_at=when,
        updated_at=when,
        content_hash=hashlib.sha256((title + text).encode()).hexdigest(),
        province_relevant=province,
        places=[],
        entities=[],
        risk_score=0.0,
        analysis_version="test",
        cluster_id=cluster_id,
        version=1,
    )
    article.topics = [ArticleTopic(topic=t, score=0.9, evidence=[]) for t in topics]
    session.add(article)
    session.flush()
    return article


def add_flag(session: Session, article: Article, now: datetime, score: float = 0.9) -> Flag:
    """Flag an article through the real triage path (``ensure_flag``)."""
    from nlp.records import Analysis, ProvinceMatch, Risk, Signal, TopicScore
    from pipeline.triage import ensure_flag

    analysis = Analysis(
        lang="vi",
        province=ProvinceMatch(relevant=article.province_relevant),
        topics=tuple(TopicScore(id=t.topic, score=t.score) for t in article.topics),
        risk=Risk(score=score, flagged=True, signals=(Signal(name="sensational", weight=0.3, evidence=["SỐC"]),)),
    )
    flag = ensure_flag(session, article, analysis, now)  # no cluster: risk used as given
    assert flag is not None
    return flag
