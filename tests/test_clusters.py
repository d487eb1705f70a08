"""Story clusters on SQLite and PostgreSQL: one story syndicated to three sites is one
cluster that knows who published first; an unrelated story stays out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawlers.records import ArticleDraft
from nlp.records import Analysis, ProvinceMatch
from pipeline.clusters import assign_cluster
from pipeline.ingest import store
from storage.models import Article, ArticleLshBucket, ArticleSignature, Source, StoryCluster
from tests.conftest import Database
from tests.story_texts import EDITED, ORIGINAL, UNRELATED

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SITES = ("site_a", "site_b", "site_c", "site_d")


def _sources(session: Session) -> None:
    for site in SITES:
        session.add(
            Source(
                id=site,
                name=site,
                type="rss",
                url=f"http://{site}.test/rss",
                kind="press",
                lang="vi",
                tier=2,
                consecutive_failures=0,
                skipped_irrelevant=0,
            )
        )
    session.flush()


def _ingest(
    session: Session, site: str, slug: str, text: str, published: datetime | None, title: str = ""
) -> tuple[Article, StoryCluster | None]:
    draft = ArticleDraft(
        source_id=site,
        url=f"http://{site}.test/{slug}",
        canonical_url=f"http://{site}.test/{slug}",
        title=title or f"Thanh long: {slug}",
        text=text,
        fetched_at=NOW,
        published=published,
    )
    analysis = Analysis(lang="vi", province=ProvinceMatch(relevant=True), topics=())
    result = store(session, draft, analysis, NOW)
    article = session.get(Article, result.article_id)
    assert article is not None
    return article, assign_cluster(session, article, text, now=NOW)


def test_syndicated_story_is_one_cluster_with_first_publisher(db: Database) -> None:
    with db.session() as session:
        _sources(session)
        # The copies arrive before the original, which was published earliest.
        b, none_yet = _ingest(session, "site_b", "hoi-thao", EDITED[0], NOW - timedelta(hours=2))
        assert none_yet is None and b.cluster_id is None
        a, cluster = _ingest(session, "site_a", "thanh-long", ORIGINAL, NOW - timedelta(hours=5))
        assert cluster is not None
        c, same = _ingest(session, "site_c", "ttxvn", EDITED[1], NOW - timedelta(hours=1))
        other, alone = _ingest(session, "site_d", "dau-tu", UNRELATED, NOW - timedelta(hours=3))
        session.commit()

        assert same is not None and same.id == cluster.id
        assert alone is None and other.cluster_id is None
        assert a.cluster_id == b.cluster_id == c.cluster_id == cluster.id
        stored = session.get(StoryCluster, cluster.id)
        assert stored is not None
        assert stored.size == 3
        assert stored.first_source_id == "site_a"
        assert stored.first_article_id == a.id
        assert stored.first_published_at == NOW - timedelta(hours=5)
        assert session.scalar(select(func.count()).select_from(StoryCluster)) == 1


def test_exact_copy_joins_by_content_hash_even_when_short(db: Database) -> None:
    short = "Bình Thuận công bố giá thanh long."  # too short for near-duplicate matching
    with db.session() as session:
        _sources(session)
        first, _ = _ingest(session, "site_a", "gia", short, NOW - timedelta(hours=1), "Giá")
        assert session.get(ArticleSignature, first.id) is None
        copy, cluster = _ingest(session, "site_b", "gia-copy", short, None, "Giá")
        session.commit()
        assert cluster is not None and cluster.size == 2
        # The copy has no publication date: its fetch time (later) counts.
        assert cluster.first_source_id == "site_a"
        assert first.cluster_id == copy.cluster_id == cluster.id


def test_assign_is_idempotent_and_refreshes_signature(db: Database) -> None:
    with db.session() as session:
        _sources(session)
        a, _ = _ingest(session, "site_a", "goc", ORIGINAL, NOW - timedelta(hours=3))
        b, cluster = _ingest(session, "site_b", "ban-sao", EDITED[0], NOW - timedelta(hours=2))
        assert cluster is not None
        old_signature = session.get(ArticleSignature, b.id)
        assert old_signature is not None
        old_bytes = old_signature.signature
        again = assign_cluster(session, b, EDITED[0], now=NOW)
        edited = assign_cluster(
            session, b, EDITED[0] + " Bài viết được cập nhật lúc 15 giờ.", now=NOW
        )
        session.commit()
        assert again is not None and edited is not None
        assert again.id == edited.id == cluster.id
        assert session.get(StoryCluster, cluster.id).size == 2  # type: ignore[union-attr]
        assert session.get(ArticleSignature, b.id).signature != old_bytes  # type: ignore[union-attr]
        buckets = session.scalar(
            select(func.count())
            .select_from(ArticleLshBucket)
            .where(ArticleLshBucket.article_id == b.id)
        )
        assert buckets == 18


def test_old_articles_outside_window_are_not_matched(db: Database) -> None:
    with db.session() as session:
        _sources(session)
        _ingest(session, "site_a", "nam-ngoai", ORIGINAL, NOW - timedelta(days=60))
        late, cluster = _ingest(session, "site_b", "nam-nay", EDITED[0], NOW)
        session.commit()
        assert cluster is None and late.cluster_id is None


def test_an_article_that_bridges_two_copies_merges_them(db: Database) -> None:
    # The two edited copies resemble the original but not each other (~0.5): arriving
    # first, they stay apart; the original then ties them into one story.
    with db.session() as session:
        _sources(session)
        b, none_b = _ingest(session, "site_b", "b", EDITED[0], NOW - timedelta(hours=1))
        c, none_c = _ingest(session, "site_c", "c", EDITED[1], NOW - timedelta(hours=3))
        assert none_b is None and none_c is None
        a, cluster = _ingest(session, "site_a", "a", ORIGINAL, NOW)
        session.commit()
        assert cluster is not None
        assert {x.cluster_id for x in (a, b, c)} == {cluster.id}
        assert cluster.size == 3 and cluster.first_source_id == "site_c"
        assert session.scalar(select(func.count()).select_from(StoryCluster)) == 1
