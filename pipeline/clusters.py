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

from nlp.fingerprint import (
    MIN_SHINGLES,
    THRESHOLD,
    band_keys,
    fingerprint,
    from_bytes,
    similarity,
    to_bytes,
)
from storage.models import Article, ArticleLshBucket, ArticleSignature, StoryCluster

logger = logging.getLogger(__name__)

_Row = TypeVar("_Row", Article, StoryCluster)

# Only articles published within this long of each other are compared: a story
# reprinted weeks later is news again, and the window keeps candidate sets small.
DEFAULT_WINDOW = timedelta(days=14)


def assign_cluster(
    session: Session,
    article: Article,
    text: str,
    *,
    window: timedelta = DEFAULT_WINDOW,
    now: datetime | None = None,
    new: bool = False,
    fp: tuple[int, ...] | None = None,
) -> StoryCluster | None:
    """Store ``article``'s fingerprint and put it in a story cluster if it has a copy.

    ``article`` must be flushed (have an id); ``text`` is its body text. Idempotent:
    an article already in a cluster stays there (its fingerprint is refreshed, as
    after an edit). Returns the cluster, or ``None`` when no other article tells
    the same story. ``new``: the article was inserted in this transaction, so it has
    no stored fingerprint to replace (two queries fewer). ``fp``: the text's fingerprint
    when the analysis has it (``Analysis.fingerprint``), else it is computed here.
    """
    now = now or datetime.now(UTC)
    if fp is None:
        fp = fingerprint(text, min_shingles=MIN_SHINGLES)
    _save_signature(session, article, fp, new=new)
    if article.cluster_id is not None:
        return session.get(StoryCluster, article.cluster_id)
    exact = _exact_match(session, article)
    near = _near_matches(session, article, fp, window) if fp else []
    matches = list(dict.fromkeys([*([exact] if exact is not None else []), *near]))
    if not matches:
        return None
    cluster = _join(session, article, matches[0], now)
    # The new article can bridge copies that did not match each other (two outlets
    # edited the wire text in different ways): their clusters become one.
    for other_id in matches[1:]:
        _absorb(session, cluster, other_id)
    return cluster


def _save_signature(
    session: Session, article: Article, fp: tuple[int, ...], *, new: bool = False
) -> None:
    row = None
    if not new:
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


def _near_matches(
    session: Session, article: Article, fp: tuple[int, ...], window: timedelta
) -> list[int]:
    """Recent articles whose fingerprints resemble ``fp`` above the threshold, best first."""
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
        return []
    rows = session.execute(
        select(ArticleSignature.article_id, ArticleSignature.signature)
        .where(ArticleSignature.article_id.in_(candidates))
        .order_by(ArticleSignature.article_id)
    )
    scored = [(similarity(fp, from_bytes(raw)), candidate_id) for candidate_id, raw in rows]
    # Best first; ties go to the oldest article.
    matches = sorted((pair for pair in scored if pair[0] >= THRESHOLD), key=lambda p: (-p[0], p[1]))
    if matches:
        logger.debug("article %s resembles %s", article.id, matches)
    return [candidate_id for _, candidate_id in matches]


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
    _earlier(cluster, article)
    session.flush()
    logger.info(
        "article %s joins story cluster %s (%s articles, first: %s)",
        article.id,
        cluster.id,
        cluster.size,
        cluster.first_source_id,
    )
    return cluster


def _earlier(cluster: StoryCluster, article: Article) -> None:
    """Make ``article`` the cluster's first publisher if it appeared before the current one."""
    if cluster.first_published_at is None or article.seen_at < cluster.first_published_at:
        cluster.first_article_id = article.id
        cluster.first_source_id = article.source_id
        cluster.first_published_at = article.seen_at


def _absorb(session: Session, cluster: StoryCluster, article_id: int) -> None:
    """Bring another matching article, and any cluster it is in, into ``cluster``."""
    other = _locked(session, Article, article_id)
    if other.cluster_id == cluster.id:
        return
    if other.cluster_id is None:
        other.cluster_id = cluster.id
        cluster.size += 1
        _earlier(cluster, other)
    else:
        old = _locked(session, StoryCluster, other.cluster_id)
        members = list(session.scalars(select(Article).where(Article.cluster_id == old.id)))
        for member in members:
            member.cluster_id = cluster.id
            _earlier(cluster, member)
        cluster.size += len(members)
        session.delete(old)
        logger.info("story cluster %s merged into %s", old.id, cluster.id)
    session.flush()
