"""The daily digest from seeded data: sections in TOPICS.md order, province first,
clusters collapsed, baselines, failed sources, an empty day; rendered and e-mailed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from config import load_config
from pipeline.digest import build_digest
from pipeline.digest_deliver import save_digest, send_digest
from pipeline.digest_render import render_html, render_markdown, render_text
from pipeline.mailer import Outbox
from storage.models import FetchError
from tests.conftest import Database
from tests.seed import add_article, add_flag, add_source
from tests.smtp_server import smtp_server

DAY = date(2026, 11, 20)
MORNING = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam


def _seed(db: Database) -> None:
    with db.session() as session:
        add_source(session, "bbt", "Báo Bình Thuận")
        add_source(session, "vne", "VnExpress")
        add_source(session, "ttn", "Thanh Niên")
        add_source(session, "blog", "Blog tự do", tier=5, kind="blog")
        add_article(session, "vne", "Tuần tra trên biển Đông", MORNING, ("bien_dao",))
        add_article(
            session,
            "bbt",
            "Ngư dân Phú Quý <script>alert(1)</script>",
            MORNING + timedelta(hours=1),
            ("bien_dao",),
            province=True,
        )
        # One story on three outlets: one line, the others named.
        for i, src in enumerate(("vne", "bbt", "ttn")):
            add_article(
                session,
                src,
                f"Phan Thiết đón khách quốc tế ({src})",
                MORNING + timedelta(hours=2 + i),
                ("van_hoa_du_lich",),
                province=True,
                cluster_id=77,
            )
        for d in range(1, 8):
            add_article(
                session,
                "vne",
                f"Biển đảo hôm trước {d}",
                MORNING - timedelta(days=d),
                ("bien_dao",),
            )
        session.add(
            FetchError(
                source_id="blog",
                url="http://127.0.0.1/blog.rss",
                outcome="timeout",
                reason="no answer in 30 s",
                at=MORNING + timedelta(hours=3),
            )
        )
        session.commit()


def test_digest_content(db: Database) -> None:
    _seed(db)
    config = load_config()
    with db.session() as session:
        digest = build_digest(session, config, DAY)
    assert [s.topic for s in digest.sections] == [t.id for t in config.topics]
    sea = digest.sections[0]
    assert sea.topic == "bien_dao" and sea.count == 2 and sea.baseline == 1.0
    assert sea.items[0].province_relevant and "Phú Quý" in sea.items[0].title
    tourism = next(s for s in digest.sections if s.topic == "van_hoa_du_lich")
    assert tourism.count == 3 and len(tourism.items) == 1
    assert tourism.items[0].source == "VnExpress"
    assert tourism.items[0].outlets == ("Báo Bình Thuận", "Thanh Niên")
    assert digest.total == 5 and digest.province_total == 4
    [failed] = digest.failed_sources
    assert failed.name == "Blog tự do" and failed.outcome == "timeout"


def test_digest_renders_escape_crawled_text(db: Database) -> None:
    _seed(db)
    with db.session() as session:
        digest = build_digest(session, load_config(), DAY)
    html = render_html(digest)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "cid:digest-chart" in html and "style=" in html and "<link" not in html
    md = render_markdown(digest)
    assert "\\<script\\>" in md and "| Biển, đảo" in md
    text = render_text(digest)
    assert "Blog tự do: 1 lần, timeout" in text


def test_empty_day(db: Database) -> None:
    _seed(db)
    with db.session() as session:
        digest = build_digest(session, load_config(), date(2026, 10, 1))
    assert digest.total == 0 and all(s.count == 0 for s in digest.sections)
    assert "Không có tin nào trong ngày." in render_text(digest)


def test_digest_saved_and_mailed(db: Database, tmp_path: Path) -> None:
    _seed(db)
    config = load_config()
    with db.session() as session:
        digest = build_digest(session, config, DAY)
    paths = save_digest(digest, tmp_path / "digests")
    assert sorted(p.name for p in paths) == [
        "2026-11-20.html",
        "2026-11-20.md",
        "2026-11-20.png",
        "2026-11-20.txt",
    ]
    assert (tmp_path / "digests" / "2026-11-20.png").read_bytes().startswith(b"\x89PNG")
    with smtp_server() as (inbox, port):
        mail = config.schedule.mail.model_copy(
            update={"enabled": True, "smtp_port": port, "digest_to": ["canbo@localhost"]}
        )
        config = config.model_copy(
            update={"schedule": config.schedule.model_copy(update={"mail": mail})}
        )
        report = send_digest(config, digest, Outbox(tmp_path / "outbox"))
    assert report.sent == 1
    [message] = inbox.messages
    assert "20/11/2026" in str(message["Subject"])
    assert {p.get_content_type() for p in message.walk()} >= {
        "text/plain",
        "text/html",
        "image/png",
    }


def test_new_and_overdue_flags(db: Database) -> None:
    _seed(db)
    with db.session() as session:
        old = add_article(session, "blog", "Tin cũ chưa xử lý", MORNING - timedelta(days=3), ("bien_dao",))
        new = add_article(session, "blog", "SỐC!!! Sự thật bị che giấu", MORNING + timedelta(hours=4), ("bien_dao",))
        add_flag(session, old, MORNING - timedelta(days=3))
        add_flag(session, new, MORNING + timedelta(hours=4))
        session.commit()
        digest = build_digest(session, load_config(), DAY, now=MORNING + timedelta(hours=5))
    assert [f.title for f in digest.new_flags] == ["SỐC!!! Sự thật bị che giấu"]
    assert [f.title for f in digest.overdue_flags] == ["Tin cũ chưa xử lý"]
    assert digest.sections[0].items[0].flagged or digest.sections[0].items[1].flagged
    assert "QUÁ HẠN: Tin cũ chưa xử lý" in render_text(digest)
