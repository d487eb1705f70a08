"""The annual report's figures, and its DOCX / HTML / PDF output, from seeded data."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import docx

from config import load_config
from pipeline.report import build_report
from pipeline.report_render import ReportFormat, render
from tests.conftest import Database
from tests.seed import add_article, add_flag, add_source

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _seed(db: Database) -> None:
    with db.session() as session:
        add_source(session, "bbt", "Báo Bình Thuận")
        add_source(session, "vne", "VnExpress")
        add_article(
            session,
            "bbt",
            "Thanh long Bình Thuận vào mùa",
            datetime(2026, 3, 5, 2, tzinfo=UTC),
            ("san_pham",),
            province=True,
        )
        add_article(
            session,
            "bbt",
            "Ngư dân Phú Quý bám biển",
            datetime(2026, 3, 9, 2, tzinfo=UTC),
            ("bien_dao",),
            province=True,
        )
        add_article(
            session,
            "vne",
            "Hội nghị xúc tiến đầu tư",
            datetime(2026, 7, 1, 2, tzinfo=UTC),
            ("dau_tu", "hop_tac_quoc_te"),
        )
        # 31 Dec 20:00 UTC is already 1 Jan in Vietnam: counted in the next year.
        add_article(
            session,
            "vne",
            "Tin giao thừa",
            datetime(2026, 12, 31, 20, tzinfo=UTC),
            ("van_hoa_du_lich",),
        )
        add_article(session, "vne", "Tin năm trước", datetime(2025, 6, 1, tzinfo=UTC), ("khcn",))
        session.commit()


def test_year_figures(db: Database) -> None:
    _seed(db)
    with db.session() as session:
        report = build_report(session, load_config(), 2026, NOW)
    assert report.total == 3 and report.province_total == 2
    assert report.total_by_month[2] == 2 and report.total_by_month[6] == 1  # March, July
    by_topic = {s.topic: s for s in report.sections}
    assert by_topic["san_pham"].by_month[2] == 1 and by_topic["van_hoa_du_lich"].total == 0
    assert [s.topic for s in report.sections][:2] == ["bien_dao", "bien_gioi"]  # TOPICS.md order
    assert report.top_outlets[0] == ("Báo Bình Thuận", 2, 2)
    # A year with no flags: zero, and no median to report.
    assert (
        report.flags_total == 0 and report.responded == 0 and report.median_hours_to_respond is None
    )


def test_formats(db: Database) -> None:
    _seed(db)
    with db.session() as session:
        report = build_report(session, load_config(), 2026, NOW)
    document = docx.Document(io.BytesIO(render(report, ReportFormat.DOCX)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BÁO CÁO KẾT QUẢ THEO DÕI THÔNG TIN ĐỐI NGOẠI NĂM 2026" in text
    assert "Số tin được gắn cờ: 0" in text
    cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
    assert "Báo Bình Thuận" in cells
    html = render(report, ReportFormat.HTML).decode()
    assert "<td>Báo Bình Thuận</td><td>2</td><td>2</td>" in html
    assert render(report, ReportFormat.PDF).startswith(b"%PDF")


def test_report_cli(db: Database, tmp_path: Path) -> None:
    _seed(db)
    out = tmp_path / "r.docx"
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "report", "--year", "2026", "--out", str(out)],
        capture_output=True,
        text=True,
        env={**db.env, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 5000
    bad = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "report", "--year", "1800"],
        capture_output=True,
        text=True,
        env={**db.env, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert bad.returncode == 2 and "expected a year" in bad.stderr and "Traceback" not in bad.stderr


def test_flags_and_response_time(db: Database) -> None:
    from pipeline.triage import respond, set_status
    from storage.models import User

    _seed(db)
    with db.session() as session:
        session.add(User(name="phatngon", role="spokesperson", password_hash="x", created_at=NOW))
        a = add_article(session, "vne", "Tin sai về thanh long", datetime(2026, 5, 1, 1, tzinfo=UTC), ("san_pham",), province=True)
        b = add_article(session, "vne", "Tin giật gân khác", datetime(2026, 5, 2, 1, tzinfo=UTC), ("san_pham",))
        fa = add_flag(session, a, datetime(2026, 5, 1, 2, tzinfo=UTC))
        add_flag(session, b, datetime(2026, 5, 2, 2, tzinfo=UTC), score=0.7)
        set_status(session, fa.id, "reviewing", by="phatngon", now=datetime(2026, 5, 1, 3, tzinfo=UTC))
        respond(session, fa.id, by="phatngon", text="Sản lượng chính thức 385.000 tấn.", now=datetime(2026, 5, 1, 8, tzinfo=UTC))
        session.commit()
        report = build_report(session, load_config(), 2026, NOW)
    assert report.flags_total == 2 and report.responded == 1
    assert report.median_hours_to_respond == 6.0
    assert report.notable[0].title == "Tin sai về thanh long"
