"""Ingest: one article from extracted draft to stored, analysed record.

This is the only module that joins ``crawlers`` (drafts), ``nlp`` (analysis) and
``storage``. It is idempotent: the same canonical URL is one row; the same text
again changes nothing; a changed text becomes a new version, the old one kept.

Two ways in, one result: :func:`ingest` stores an analysed draft at once; the
crawl stores a draft first (:func:`store` with no analysis: the article is
*pending*) and :func:`apply_analysis` completes it later (``pipeline.pending``).
Both end in the same topics, story cluster and flag.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.schema import Config
from crawlers.records import ArticleDraft
from nlp.records import Analysis
from pipeline.corrections import reapply_correction
from storage.models import Article, ArticleTopic, ArticleVersion, Source

logger = logging.getLogger(__name__)


class IngestStatus(StrEnum):
    NEW = "new"
    UNCHANGED = "unchanged"
    UPDATED = "updated"


@dataclass(frozen=True, kw_only=True)
class IngestResult:
    article_id: int
    status: IngestStatus
    # The stored row, so that the caller's next step does not load it again: a session
    # holds clean rows only weakly, and the row would be gone when ``store`` returns.
    article: Article | None = field(default=None, compare=False, repr=False)


def content_hash(title: str, text: str) -> str:
    """SHA-256 of the normalised title and text (whitespace folded)."""
    folded = " ".join(title.split()) + "\n" + " ".join(text.split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def sync_sources(session: Session, config: Config, now: datetime | None = None) -> None:
    """Make the ``sources`` table match ``sources.yaml``; crawl state is kept.

    A source removed from the file is kept (its articles refer to it) and marked
    removed; one that comes back is marked added again.
    """
    now = now or datetime.now(UTC)
    rows = {s.id: s for s in session.scalars(select(Source))}
    for src in config.sources:
        row = rows.pop(src.id, None)
        if row is None:
            row = Source(id=src.id, added_at=now, consecutive_failures=0, skipped_irrelevant=0)
            session.add(row)
        elif row.removed_at is not None:
            row.removed_at = None
            row.added_at = now
        row.name, row.type, row.url, row.kind = src.name, src.type.value, src.url, src.kind.value
        row.lang, row.tier = src.lang, src.tier
        # An administrator's toggle in the web UI outlives the file's value.
        row.enabled = src.enabled if row.enabled_override is None else row.enabled_override
    for row in rows.values():
        if row.removed_at is None:
            row.removed_at = now
            row.enabled = False
    session.flush()


def _apply_analysis(article: Article, analysis: Analysis) -> None:
    article.analysis_pending = False
    article.lang = analysis.lang
    article.province_relevant = analysis.province.relevant
    article.places = sorted({p.name for p in analysis.province.places})
    article.entities = [list(e) for e in analysis.entities]
    article.risk_score = analysis.risk.score
    article.analysis_version = analysis.model_version
    wanted = {t.id: t for t in analysis.topics}
    for existing in list(article.topics):
        if existing.topic not in wanted:
            article.topics.remove(existing)
    have = {t.topic: t for t in article.topics}
    for topic_id, topic in wanted.items():
        row = have.get(topic_id)
        if row is None:
            article.topics.append(
                ArticleTopic(topic=topic_id, score=topic.score, evidence=list(topic.evidence))
            )
        else:
            row.score, row.evidence = topic.score, list(topic.evidence)


def ingest(
    session: Session,
    draft: ArticleDraft,
    analysis: Analysis,
    *,
    config: Config | None = None,
    now: datetime | None = None,
) -> IngestResult:
    """Store an analysed article, group it into its story cluster, and flag it if its
    risk says so. Every path that stores articles (crawl, revisit, import) comes here.

    ``config`` spares the triage step a reload of the YAML; pass it when you have it.
    """
    now = now or datetime.now(UTC)
    result = store(session, draft, analysis, now)
    if result.status is not IngestStatus.UNCHANGED:
        article = result.article or session.get(Article, result.article_id)
        if article is not None:
            _cluster_and_flag(
                session,
                article,
                analysis,
                config=config,
                now=now,
                new=result.status is IngestStatus.NEW,
            )
    return result


def apply_analysis(
    session: Session,
    article: Article,
    analysis: Analysis,
    *,
    config: Config | None = None,
    now: datetime | None = None,
) -> None:
    """Complete a pending article (stored by :func:`store` without analysis): topics,
    places and risk, the spokesperson's correction if any, story cluster, flag.

    What :func:`ingest` would have done had the analysis come with the draft. Safe to
    repeat: the cluster and the flag are never made twice.
    """
    now = now or datetime.now(UTC)
    _apply_analysis(article, analysis)
    reapply_correction(session, article)
    session.flush()
    _cluster_and_flag(session, article, analysis, config=config, now=now)


def _cluster_and_flag(
    session: Session,
    article: Article,
    analysis: Analysis,
    *,
    config: Config | None,
    now: datetime,
    new: bool = False,
) -> None:
    # Imported here: both modules import this one's neighbours, not the other way round.
    from pipeline.clusters import assign_cluster
    from pipeline.triage import ensure_flag

    # The cluster first: the flag's corroboration check looks at it.
    assign_cluster(session, article, article.text, now=now, new=new, fp=analysis.fingerprint)
    ensure_flag(session, article, analysis, now, config=config, new=new)


def store(
    session: Session, draft: ArticleDraft, analysis: Analysis | None, now: datetime | None = None
) -> IngestResult:
    """Upsert one article by canonical URL. Safe against a concurrent insert of the same URL.

    With ``analysis`` None the article is stored *pending* (``analysis_pending``):
    new or changed text waits for :func:`apply_analysis`; an unchanged one keeps
    the analysis it has.
    """
    now = now or datetime.now(UTC)
    digest = content_hash(draft.title, draft.text)
    article = session.scalar(select(Article).where(Article.canonical_url == draft.canonical_url))
    if article is not None:
        return _update(session, article, draft, analysis, digest, now)
    article = Article(
        canonical_url=draft.canonical_url,
        url=draft.url,
        source_id=draft.source_id,
        title=draft.title,
        summary=draft.summary,
        text=draft.text,
        author=draft.author,
        published_at=draft.published,
        fetched_at=draft.fetched_at,
        updated_at=now,
        content_hash=digest,
        version=1,
        places=[],
        entities=[],
    )
    if analysis is None:
        article.analysis_pending = True
        # The page's own language, a hint for the analysis; the analysis sets the real one.
        article.lang = draft.lang or ""
    else:
        _apply_analysis(article, analysis)
    try:
        with session.begin_nested():
            session.add(article)
    except IntegrityError:
        # Another process stored the same URL between our SELECT and INSERT.
        existing = session.scalar(
            select(Article).where(Article.canonical_url == draft.canonical_url)
        )
        if existing is None:
            raise
        return _update(session, existing, draft, analysis, digest, now)
    return IngestResult(article_id=article.id, status=IngestStatus.NEW, article=article)


def _update(
    session: Session,
    article: Article,
    draft: ArticleDraft,
    analysis: Analysis | None,
    digest: str,
    now: datetime,
) -> IngestResult:
    if article.content_hash == digest:
        return IngestResult(article_id=article.id, status=IngestStatus.UNCHANGED, article=article)
    session.add(
        ArticleVersion(
            article_id=article.id,
            version=article.version,
            title=article.title,
            text=article.text,
            content_hash=article.content_hash,
            fetched_at=article.fetched_at,
        )
    )
    article.version += 1
    article.title, article.text, article.content_hash = draft.title, draft.text, digest
    article.summary = draft.summary or article.summary
    article.author = draft.author or article.author
    article.published_at = article.published_at or draft.published
    article.fetched_at = draft.fetched_at
    article.updated_at = now
    article.taken_down_at = None
    if analysis is None:
        # apply_analysis reapplies the correction once the new text is analysed.
        article.analysis_pending = True
        article.lang = draft.lang or ""
    else:
        _apply_analysis(article, analysis)
        reapply_correction(session, article)
    session.flush()
    logger.info("article %s changed: stored as version %s", article.canonical_url, article.version)
    return IngestResult(article_id=article.id, status=IngestStatus.UPDATED, article=article)
