"""Keep the full-text index in step with ``articles`` (both engines).

The index holds text folded in Python (``storage.fold``), not by the database:
SQLite's ``remove_diacritics`` does not fold đ, and PostgreSQL's ``unaccent`` may
not be installed. Folding once, here, gives both engines the same tokens, which is
what the parity test checks.

- SQLite: FTS5 table ``article_fts(title, body)`` with ``rowid = articles.id``. An
  ``AFTER DELETE`` trigger on ``articles`` removes rows (migration 0003).
- PostgreSQL: ``article_search(article_id, tsv)`` with a GIN index; the tsvector is
  built here with explicit positions, so it tokenises exactly like the SQLite side;
  rows go with their article through ``ON DELETE CASCADE``.

ORM inserts and updates of ``Article`` are indexed by the mapper listeners set up
in ``listen`` (``storage.models`` calls it). Code that writes articles with Core
statements must call ``index_rows`` itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, event, inspect, text

from storage.fold import tokens

logger = logging.getLogger(__name__)

# PostgreSQL clamps positions at 16383 and keeps at most 256 per lexeme; both
# engines index the same bounded token list so they answer alike.
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256
INDEXED_FIELDS = ("title", "summary", "text")


@dataclass(frozen=True, kw_only=True)
class IndexDoc:
    """The folded tokens of one article, ready for either engine."""

    article_id: int
    title: list[str]
    body: list[str]


def make_doc(article_id: int, title: str, summary: str, text_: str) -> IndexDoc:
    """Fold and tokenise; the body (summary + text) is cut so positions stay <= 16383."""
    title_tokens = tokens(title or "")[: MAX_POSITION // 2]
    # +1: one position of gap between title and body so a phrase never spans the two.
    room = MAX_POSITION - len(title_tokens) - 1
    body_tokens = (tokens(summary or "") + tokens(text_ or ""))[: max(room, 0)]
    return IndexDoc(article_id=article_id, title=title_tokens, body=body_tokens)


def tsvector_literal(doc: IndexDoc) -> str:
    """A PostgreSQL tsvector literal, title positions weighted A. Tokens are [^\\W_]+ so need no escaping."""
    positions: dict[str, list[str]] = {}
    for pos, tok in enumerate(doc.title, start=1):
        positions.setdefault(tok, []).append(f"{pos}A")
    start = len(doc.title) + 2
    for pos, tok in enumerate(doc.body, start=start):
        positions.setdefault(tok, []).append(str(pos))
    return " ".join(
        f"'{tok}':{','.join(pos[:MAX_POSITIONS_PER_LEXEME])}" for tok, pos in positions.items()
    )


def index_rows(connection: Connection, rows: Iterable[Sequence[Any]]) -> int:
    """(Re)index articles given as ``(id, title, summary, text)`` rows; returns how many.

    For Core bulk loads and back-fills; ORM writes are indexed automatically.
    """
    docs = [make_doc(int(r[0]), r[1], r[2], r[3]) for r in rows]
    if not docs:
        return 0
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "INSERT INTO article_search (article_id, tsv) VALUES (:id, CAST(:tsv AS tsvector)) "
                "ON CONFLICT (article_id) DO UPDATE SET tsv = EXCLUDED.tsv"
            ),
            [{"id": d.article_id, "tsv": tsvector_literal(d)} for d in docs],
        )
    else:
        params = [
            {"id": d.article_id, "title": " ".join(d.title), "body": " ".join(d.body)}
            for d in docs
        ]
        # FTS5 honours REPLACE on its rowid: an existing entry is removed from the index.
        connection.execute(
            text(
                "INSERT OR REPLACE INTO article_fts (rowid, title, body) "
                "VALUES (:id, :title, :body)"
            ),
            params,
        )
    return len(docs)


def reindex_all(connection: Connection, batch: int = 2000) -> int:
    """Index every article again (after a bulk load, or to repair the index)."""
    done = 0
    last = 0
    while True:
        rows = connection.execute(
            text(
                "SELECT id, title, summary, text FROM articles WHERE id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": batch},
        ).all()
        if not rows:
            return done
        done += index_rows(connection, rows)
        last = rows[-1][0]


SEARCH_TABLES = ("article_fts", "article_search", "article_day_counts")
# Indexes one engine has and the models cannot describe for both (migration 0010).
HAND_MADE_INDEXES = ("ix_articles_published_desc",)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic ``include_name`` hook: the index tables and hand-made indexes are not in the
    ORM metadata, and autogenerate must not propose dropping them (nor FTS5's shadow tables)."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(SEARCH_TABLES)
    return not (type_ == "index" and name in HAND_MADE_INDEXES)


def _after_insert(_mapper: Any, connection: Connection, target: Any) -> None:
    index_rows(connection, [(target.id, target.title, target.summary, target.text)])


def _after_update(_mapper: Any, connection: Connection, target: Any) -> None:
    state = inspect(target)
    if any(state.attrs[name].history.has_changes() for name in INDEXED_FIELDS):
        index_rows(connection, [(target.id, target.title, target.summary, target.text)])


def listen(article_cls: type) -> None:
    """Index ``article_cls`` rows on ORM insert and on update of title, summary or text."""
    if not event.contains(article_cls, "after_insert", _after_insert):
        event.listen(article_cls, "after_insert", _after_insert)
        event.listen(article_cls, "after_update", _after_update)
