"""Story clusters: the same story on several sites, and who published it first.

Called once per stored article (after ``pipeline.ingest.store``). An article joins
the cluster of an earlier article that has exactly the same content hash, or else
of the most similar recent article whose MinHash fingerprint is above
``nlp.fingerprint.THRESHOLD``. A cluster is created only when a second article
matches a first, so most articles (stories told once) have none.

Why signatures and LSH band keys live in the database (``article_signatures``,
``article_lsh_buckets``) rather than in a process-level ``MinHashLSH``: several
processes store articles (the crawler, the revisit job, a second crawler on
PostgreSQL), and an in-memory index would miss what the others stored since it
was built, or need rebuilding — re-hashing every recent text — at each start.
With the band keys in an indexed table, "candidates" is one indexed query that
every process answers the same way, restarts cost nothing, and a fingerprint is
computed once per text version. The cost is 18 small rows per article.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from nlp.fingerprint import THRESHOLD, band_keys, fingerprint, from_bytes, similarity, to_bytes
from storage.models import Article, ArticleLshBucket, ArticleSignature, StoryCluster

logger = logging.getLogger(__name__)

_Row = TypeVar("_Row", Article, StoryCluster)

# Only articles published within this long of each other are compared: a story
# reprinted weeks later is news again, and the window keeps candidate sets small.
DEFAULT_WINDOW = timedelta(days=14)
# Below this many shingles (a one-line brief, a photo caption) near-duplicate matching
# mostly matches boilerplate; such texts are clustered by exact content hash only.
MIN_SHINGLES = 10


def assign_cluster(
    session: Session,
    article: Article,
    text: str,
    *,
    window: timedelta = DEFAULT_WINDOW,
    now: datetime | None = None,
) -> StoryCluster | None:
    """Store ``article``'s fingerprint and put it in a story cluster if it has a copy.

    ``article`` must be flushed (have an id); ``text`` is its body text. Idempotent:
    an article already in a cluster stays there (its fingerprint is refreshed, as
    after an edit). Returns the cluster, or ``None`` when no other article tells
    the same story.
    """
    now = now or datetime.now(UTC)
    fp = fingerprint(text, min_shingles=MIN_SHINGLES)
    _save_signature(session, article, fp)
    if article.cluster_id is not None:
        return session.get(StoryCluster, article.cluster_id)
    match_id = _exact_match(session, article)
    if match_id is None and fp:
        match_id = _near_match(session, article, fp, window)
    if match_id is None:
        return None
    return _join(session, article, match_id, now)


def _save_signature(session: Session, article: Article, fp: tuple[int, ...]) -> None:
    session.execute(delete(ArticleLshBucket).where(ArticleLshBucket.article_id == article.id))
    row = session.get(ArticleSignature, article.id)
    if not fp:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        row = ArticleSignature(article_id=article.id)
        session.add(row)
    row.signature, row.seen_at = to_bytes(fp), article.seen_at
    session.execute(
        insert(ArticleLshBucket),
        [{"bucket": key, "article_id": article.id} for key in sorted(set(band_keys(fp)))],
    )
    session.flush()


def _exact_match(session: Session, article: Article) -> int | None:
    return session.scalar(
        select(Article.id)
        .where(Article.content_hash == article.content_hash, Article.id != article.id)
        .order_by(Article.id)
        .limit(1)
    )


def _near_match(
    session: Session, article: Article, fp: tuple[int, ...], window: timedelta
) -> int | None:
    seen = article.seen_at
    candidates = session.scalars(
        select(ArticleLshBucket.article_id)
        .join(ArticleSignature, ArticleSignature.article_id == ArticleLshBucket.article_id)
        .where(
            ArticleLshBucket.bucket.in_(band_keys(fp)),
            ArticleLshBucket.article_id != article.id,
            ArticleSignature.seen_at >= seen - window,
            ArticleSignature.seen_at <= seen + window,
        )
        .distinct()
    ).all()
    if not candidates:
        return None
    best_id, best = None, -1.0
    rows = session.execute(
        select(ArticleSignature.article_id, ArticleSignature.signature)
        .where(ArticleSignature.article_id.in_(candidates))
        .order_by(ArticleSignature.article_id)
    )
    for candidate_id, raw in rows:
        score = similarity(fp, from_bytes(raw))
        if score > best:  # ties go to the oldest article
            best_id, best = candidate_id, score
    if best < THRESHOLD:
        return None
    logger.debug("article %s resembles %s (%.2f)", article.id, best_id, best)
    return best_id


def _locked(session: Session, model: type[_Row], row_id: int) -> _Row:
    # FOR UPDATE (PostgreSQL; SQLite serialises writers anyway) so that two crawler
    # processes matching the same article do not create two clusters for it.
    row = session.scalar(
        select(model)
        .where(model.id == row_id)
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise LookupError(f"{model.__name__} {row_id} vanished while clustering")
    return row


def _join(session: Session, article: Article, match_id: int, now: datetime) -> StoryCluster:
    match = _locked(session, Article, match_id)
    if match.cluster_id is None:
        cluster = StoryCluster(
            first_article_id=match.id,
            first_source_id=match.source_id,
            first_published_at=match.seen_at,
            size=1,
            created_at=now,
        )
        session.add(cluster)
        session.flush()
        match.cluster_id = cluster.id
    else:
        cluster = _locked(session, StoryCluster, match.cluster_id)
    article.cluster_id = cluster.id
    cluster.size += 1
    if cluster.first_published_at is None or article.seen_at < cluster.first_published_at:
        cluster.first_article_id = article.id
        cluster.first_source_id = article.source_id
        cluster.first_published_at = article.seen_at
    session.flush()
    logger.info(
        "article %s joins story cluster %s (%s articles, first: %s)",
        article.id,
        cluster.id,
        cluster.size,
        cluster.first_source_id,
    )
    return cluster
