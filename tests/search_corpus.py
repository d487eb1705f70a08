"""A small hand-written corpus for the search tests (no text from shared data)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.models import Article, ArticleTopic, Flag, FlagEvent
from tests.seed import add_source

FETCHED = datetime(2026, 3, 20, 0, 0, tzinfo=UTC)

SOURCES = [
    ("vne", "VnExpress", "press", 1),
    ("tt", "Tuổi Trẻ", "press", 2),
    ("fb", "Trang cộng đồng", "social", 3),
]

# key: (source, title, summary, text, published (UTC) or None, lang, topics, province, cluster, entities)
ARTICLES: list[tuple[Any, ...]] = [
    (
        "ngu_dan",
        "vne",
        "Ngư dân Bình Thuận bám biển gần quần đảo Hoàng Sa",
        "Tàu cá Phan Thiết ra khơi.",
        "Tàu cá của ngư dân Phan Thiết ra khơi đánh bắt hải sản. Lực lượng cảnh sát biển hỗ trợ bà con.",
        datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        "vi",
        ["bien_dao"],
        True,
        1,
        [["Bình Thuận", "LOC"], ["Hoàng Sa", "LOC"], ["Cảnh sát biển", "ORG"]],
    ),
    (
        "chu_quyen",
        "tt",
        "Đảo Hoàng Sa là của Việt Nam",
        "",
        "Bộ Ngoại giao khẳng định chủ quyền của Việt Nam đối với Hoàng Sa và Trường Sa.",
        datetime(2026, 3, 3, 23, 30, tzinfo=UTC),
        "vi",
        ["bien_dao", "hop_tac_quoc_te"],
        False,
        1,
        [["Hoàng Sa", "LOC"], ["Bộ Ngoại giao", "ORG"], ["Trường Sa", "LOC"]],
    ),
    (
        "du_lich",
        "fb",
        "Du lịch Mũi Né đón khách quốc tế",
        "",
        "Khách du lịch đến Phan Thiết tăng mạnh dịp Tết. Bờ biển Mũi Né kín chỗ.",
        datetime(2026, 3, 10, 2, 0, tzinfo=UTC),
        "vi",
        ["van_hoa_du_lich"],
        True,
        None,
        [["Mũi Né", "LOC"], ["Phan Thiết", "LOC"]],
    ),
    (
        "thanh_long",
        "vne",
        "Thanh long Bình Thuận xuất khẩu sang Trung Quốc",
        "Giá thanh long tăng.",
        "Nông dân Hàm Thuận Nam phấn khởi vì thanh long được giá.",
        datetime(2026, 3, 11, 5, 0, tzinfo=UTC),
        "vi",
        ["san_pham"],
        True,
        2,
        [["Bình Thuận", "LOC"], ["Trung Quốc", "LOC"]],
    ),
    (
        "coast_guard",
        "tt",
        "Vietnam coast guard patrols the East Sea",
        "",
        "The coast guard of Vietnam increased patrols near the Paracel islands.",
        datetime(2026, 3, 12, 1, 0, tzinfo=UTC),
        "en",
        ["bien_dao"],
        False,
        None,
        [["Vietnam", "LOC"]],
    ),
    (
        "lua_dao",
        "fb",
        "<script>alert('x')</script> Cảnh báo lừa đảo ở Phan Thiết",
        "",
        '<img src=x onerror=alert(1)> Người dân Phan Thiết nhận tin nhắn giả mạo & "đường link" lạ.',
        datetime(2026, 3, 12, 16, 59, tzinfo=UTC),
        "vi",
        ["chuyen_doi_so"],
        True,
        None,
        [["Phan Thiết", "LOC"]],
    ),
    (
        "duong_day",
        "vne",
        "Đường dây nóng Sở Y tế",
        "",
        "Số điện thoại đường dây nóng mới.",
        None,
        "vi",
        [],
        False,
        None,
        [],
    ),
    # Decomposed (NFD) Unicode, as some sites send it.
    (
        "bao",
        "tt",
        unicodedata.normalize("NFD", "Bão số 3 đổ bộ Bình Thuận"),
        "",
        unicodedata.normalize("NFD", "Mưa lớn ở Tuy Phong và Bắc Bình, nhiều tàu thuyền vào bờ."),
        datetime(2026, 3, 5, 8, 0, tzinfo=UTC),
        "vi",
        [],
        True,
        None,
        [["Bình Thuận", "LOC"]],
    ),
]


def seed(session: Session) -> dict[str, int]:
    """Store the corpus (flags included); returns article ids by key."""
    for sid, name, kind, tier in SOURCES:
        add_source(session, sid, name, tier=tier, kind=kind)
    ids: dict[str, int] = {}
    for (
        key,
        src,
        title,
        summary,
        text,
        published,
        lang,
        topics,
        province,
        cluster,
        ents,
    ) in ARTICLES:
        article = Article(
            canonical_url=f"http://127.0.0.1/{key}",
            url=f"http://127.0.0.1/{key}",
            source_id=src,
            title=title,
            summary=summary,
            text=text,
            lang=lang,
            published_at=published,
            fetched_at=FETCHED,
            updated_at=FETCHED,
            content_hash=key,
            province_relevant=province,
            cluster_id=cluster,
            places=[],
            entities=ents,
            version=1,
            topics=[ArticleTopic(topic=t, score=0.9, evidence=[]) for t in topics],
        )
        session.add(article)
        session.flush()
        ids[key] = article.id
    reviewing = Flag(
        article_id=ids["ngu_dan"], score=0.8, severity="high", signals=[], created_at=FETCHED
    )
    untouched = Flag(
        article_id=ids["thanh_long"], score=0.5, severity="low", signals=[], created_at=FETCHED
    )
    session.add_all([reviewing, untouched])
    session.flush()
    session.add(
        FlagEvent(
            flag_id=reviewing.id,
            at=FETCHED,
            actor="an",
            action="status",
            status="reviewing",
            note="",
            data={},
        )
    )
    session.flush()
    return ids
