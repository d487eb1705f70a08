"""Ingest is idempotent and keeps old versions (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from config import load_config
from crawlers.records import ArticleDraft
from nlp.records import Analysis, Place, ProvinceMatch, TopicScore
from pipeline.ingest import IngestStatus, store, sync_sources
from storage.models import Article, ArticleTopic, ArticleVersion, Source
from tests.conftest import Database

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def _draft(text: str = "Ngư dân Phan Thiết vươn khơi bám biển Trường Sa.") -> ArticleDraft:
    return ArticleDraft(
        source_id="baobinhthuan",
        url="https://baobinhthuan.com.vn/ngu-dan.html?utm_source=x",
        canonical_url="https://baobinhthuan.com.vn/ngu-dan.html",
        title="Ngư dân bám biển",
        text=text,
        fetched_at=NOW,
        published=NOW,
    )


def _analysis(topic: str = "bien_dao") -> Analysis:
    place = Place(name="Phan Thiết", matched="Phan Thiết", kind="town", start=7, end=17)
    return Analysis(
        lang="vi",
        province=ProvinceMatch(relevant=True, places=(place,)),
        topics=(TopicScore(id=topic, score=0.9, evidence=("Trường Sa",)),),
    )


def test_same_article_twice_is_one_row(db: Database) -> None:
    with db.session() as session:
        sync_sources(session, load_config(), NOW)
        first = store(session, _draft(), _analysis(), NOW)
        second = store(session, _draft(), _analysis(), NOW)
        session.commit()
        assert first.status is IngestStatus.NEW
        assert second.status is IngestStatus.UNCHANGED
        assert first.article_id == second.article_id
        assert session.scalar(select(func.count()).select_from(Article)) == 1
        article = session.get(Article, first.article_id)
        assert article is not None
        assert article.province_relevant and article.places == ["Phan Thiết"]
        assert [(t.topic, t.evidence) for t in article.topics] == [("bien_dao", ["Trường Sa"])]


def test_changed_text_is_a_new_version(db: Database) -> None:
    with db.session() as session:
        sync_sources(session, load_config(), NOW)
        first = store(session, _draft(), _analysis(), NOW)
        changed = store(session, _draft("Nội dung đã sửa."), _analysis("van_hoa_du_lich"), NOW)
        session.commit()
        assert changed.status is IngestStatus.UPDATED
        article = session.get(Article, first.article_id)
        assert article is not None and article.version == 2
        assert article.text == "Nội dung đã sửa."
        old = session.scalars(select(ArticleVersion)).one()
        assert old.version == 1 and "Trường Sa" in old.text
        topics = session.scalars(select(ArticleTopic.topic)).all()
        assert topics == ["van_hoa_du_lich"]


def test_sync_sources_keeps_removed_sources(db: Database) -> None:
    config = load_config()
    with db.session() as session:
        sync_sources(session, config, NOW)
        smaller = config.model_copy(update={"sources": config.sources[:1]})
        sync_sources(session, smaller, NOW)
        session.commit()
        rows = {s.id: s for s in session.scalars(select(Source))}
        assert len(rows) == len(config.sources)
        kept = config.sources[0].id
        assert rows[kept].removed_at is None
        assert all(r.removed_at is not None for k, r in rows.items() if k != kept)


def test_correction_outlives_reanalysis(db: Database) -> None:
    from pipeline.corrections import correct_article

    with db.session() as session:
        sync_sources(session, load_config(), NOW)
        first = store(session, _draft(), _analysis("bien_dao"), NOW)
        correct_article(session, first.article_id, by="phatngon", topics=["san_pham"], province=False,
                        known_topics=["bien_dao", "san_pham"], now=NOW)
        store(session, _draft("Bản đã sửa về ngư dân."), _analysis("bien_dao"), NOW)
        session.commit()
        article = session.get(Article, first.article_id)
        assert article is not None and article.version == 2
        assert [t.topic for t in article.topics] == ["san_pham"] and not article.province_relevant
