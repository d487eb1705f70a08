"""The spokesperson's corrections of topics and province relevance, kept for retraining.

A correction is stored (``Correction``, append-only) and applied to the article, so
the digest and search show the corrected topics at once. ``export_corrections`` turns
the latest correction of each article into a labelled record in the topic training
format (``haidang train topics --data FILE.jsonl``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.errors import UserError
from storage.models import Article, ArticleTopic, Correction

logger = logging.getLogger(__name__)

CORRECTED_EVIDENCE = "hiệu chỉnh của người phát ngôn"


class CorrectionError(UserError):
    """A correction that cannot be stored; nothing was changed."""


def correct_article(
    session: Session,
    article_id: int,
    *,
    by: str,
    topics: Iterable[str],
    province: bool,
    known_topics: Iterable[str],
    note: str = "",
    now: datetime | None = None,
) -> Correction:
    """Record a correction and apply it to the article.

    >>> correct_article(session, 7, by="phatngon", topics=["bien_dao"], province=True,
    ...                 known_topics=["bien_dao", "dau_tu"])  # doctest: +SKIP
    """
    article = session.get(Article, article_id)
    if article is None:
        raise CorrectionError(f"article {article_id} does not exist")
    known = set(known_topics)
    chosen = sorted(dict.fromkeys(t.strip() for t in topics if t.strip()))
    unknown = [t for t in chosen if t not in known]
    if unknown:
        raise CorrectionError(f"unknown topic(s): {', '.join(unknown)}")
    now = now or datetime.now(UTC)
    correction = Correction(
        article_id=article.id,
        actor=by,
        at=now,
        topics=chosen,
        province=province,
        note=note.strip(),
    )
    session.add(correction)
    _apply(article, chosen, province)
    session.flush()
    logger.info(
        "article %s corrected by %s: topics=%s province=%s", article.id, by, chosen, province
    )
    return correction


def _apply(article: Article, topics: list[str], province: bool) -> None:
    kept = {t.topic: t for t in article.topics if t.topic in topics}
    article.topics = [
        kept.get(t) or ArticleTopic(topic=t, score=1.0, evidence=[CORRECTED_EVIDENCE])
        for t in topics
    ]
    article.province_relevant = province


def reapply_correction(session: Session, article: Article) -> bool:
    """A person's correction outlives re-analysis: apply the latest one again, if any."""
    latest = corrections_for(session, article.id)
    if not latest:
        return False
    _apply(article, list(latest[0].topics), latest[0].province)
    return True


def corrections_for(session: Session, article_id: int) -> list[Correction]:
    """An article's corrections, newest first."""
    return list(
        session.scalars(
            select(Correction)
            .where(Correction.article_id == article_id)
            .order_by(Correction.at.desc(), Correction.id.desc())
        )
    )


def export_corrections(session: Session) -> list[dict[str, Any]]:
    """One labelled record per corrected article (its latest correction), oldest article first.

    Keys: ``id``, ``title``, ``text``, ``topics``, ``province`` — the topic training format.
    """
    latest: dict[int, Correction] = {}
    for correction in session.scalars(select(Correction).order_by(Correction.id)):
        latest[correction.article_id] = correction
    records = []
    for article_id in sorted(latest):
        correction = latest[article_id]
        article = session.get(Article, article_id)
        if article is None:
            continue
        records.append(
            {
                "id": f"correction-{article_id}",
                "title": article.title,
                "text": article.text,
                "topics": list(correction.topics),
                "province": bool(correction.province),
            }
        )
    return records
