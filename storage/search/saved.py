"""Saved searches, and the alert check: which new articles match since last time."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Article, SavedSearch
from storage.search.engine import build_hits, match_conditions
from storage.search.query import parse
from storage.search.records import SearchFilters, SearchHit

logger = logging.getLogger(__name__)

MAX_ALERT_HITS = 200


class SavedSearchError(ValueError):
    """A saved search that cannot be created (e.g. the name is taken)."""


def add_saved(
    session: Session,
    *,
    owner: str,
    name: str,
    query: str,
    filters: SearchFilters,
    alert: bool = False,
    now: datetime | None = None,
) -> SavedSearch:
    """Store a search; the query is checked first (``QueryError`` if malformed)."""
    parse(query)
    if not name.strip():
        raise SavedSearchError("Tên tìm kiếm đã lưu không được để trống.")
    if get_saved(session, owner, name) is not None:
        raise SavedSearchError(f"Đã có tìm kiếm đã lưu tên “{name}”.")
    now = now or datetime.now(UTC)
    saved = SavedSearch(
        owner=owner,
        name=name.strip(),
        query=query,
        filters=filters.to_json(),
        alert=alert,
        last_seen_at=now,
        created_at=now,
    )
    session.add(saved)
    session.flush()
    return saved


def get_saved(session: Session, owner: str, name: str) -> SavedSearch | None:
    return session.scalar(
        select(SavedSearch).where(SavedSearch.owner == owner, SavedSearch.name == name.strip())
    )


def list_saved(session: Session, owner: str | None = None) -> list[SavedSearch]:
    stmt = select(SavedSearch).order_by(SavedSearch.owner, SavedSearch.name)
    if owner is not None:
        stmt = stmt.where(SavedSearch.owner == owner)
    return list(session.scalars(stmt))


def delete_saved(session: Session, owner: str, name: str) -> bool:
    saved = get_saved(session, owner, name)
    if saved is None:
        return False
    session.delete(saved)
    session.flush()
    return True


def new_matches(
    session: Session, saved: SavedSearch, *, until: datetime | None = None
) -> list[SearchHit]:
    """Articles fetched after ``saved.last_seen_at`` (and up to ``until``) that match, newest first.

    Does not move ``last_seen_at``; ``check_alerts`` does.
    """
    conds = match_conditions(session, saved.query, SearchFilters.from_json(saved.filters))
    since = saved.last_seen_at or saved.created_at
    conds.append(Article.fetched_at > since)
    if until is not None:
        conds.append(Article.fetched_at <= until)
    rows = session.execute(
        select(Article.id)
        .where(*conds)
        .order_by(Article.fetched_at.desc(), Article.id.desc())
        .limit(MAX_ALERT_HITS)
    ).all()
    return list(build_hits(session, [(r[0], None) for r in rows], saved.query))


def check_alerts(
    session: Session, now: datetime | None = None, owner: str | None = None
) -> list[tuple[SavedSearch, list[SearchHit]]]:
    """New matches of every alerting saved search; marks them seen up to ``now``.

    Only searches with new matches are returned.
    """
    now = now or datetime.now(UTC)
    out = []
    for saved in list_saved(session, owner):
        if not saved.alert:
            continue
        hits = new_matches(session, saved, until=now)
        saved.last_seen_at = now
        if hits:
            logger.info("saved search %s/%s: %d new matches", saved.owner, saved.name, len(hits))
            out.append((saved, hits))
    session.flush()
    return out
