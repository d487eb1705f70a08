"""``haidang run``'s scheduler keeps crawling, digesting and alerting across several
simulated days: real APScheduler with its job store in the test database, real crawls
(each in a child process, as in production) of a local feed, a simulated clock, and a
real SMTP server on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from config import load_config
from pipeline.clock import set_clock
from pipeline.scheduler import build_scheduler
from storage.models import Article, JobRun
from tests.conftest import Database
from tests.smtp_server import smtp_server

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PARAGRAPH = (
    "Sáng nay, lực lượng kiểm ngư cùng ngư dân huyện đảo Phú Quý, tỉnh Bình Thuận cũ, đã phối hợp tuần tra "
    "trên vùng biển Trường Sa, tuyên truyền chống khai thác hải sản bất hợp pháp, không báo cáo và không theo "
    "quy định (IUU). Các tàu cá được kiểm tra thiết bị giám sát hành trình, nhật ký khai thác và giấy phép. "
)


class Site:
    """A feed whose items depend on the simulated day, like a real outlet's."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, datetime]] = []  # slug, title, published

    def feed(self, base: str) -> bytes:
        entries = "".join(
            f"<item><title>{title}</title><link>{base}/bai/{slug}.html</link>"
            f"<pubDate>{published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
            for slug, title, published in self.items
        )
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tin biển đảo</title>'
                f"<link>{base}/</link><description>x</description>{entries}</channel></rss>").encode()

    def page(self, slug: str) -> bytes | None:
        for s, title, published in self.items:
            if s == slug:
                body = "".join(f"<p>{PARAGRAPH} Bài {slug}, đoạn {i}.</p>" for i in range(4))
                return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>'
                        f'<meta property="article:published_time" content="{published.isoformat()}"></head>'
                        f"<body><article><h1>{title}</h1>{body}</article></body></html>").encode()
        return None


@pytest.fixture
def site() -> Iterator[tuple[Site, str]]:
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/robots.txt":
                body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
            elif self.path == "/feed.xml":
                body, kind = state.feed(base), "application/rss+xml"
            else:
                page = state.page(self.path.removeprefix("/bai/").removesuffix(".html"))
                if page is None:
                    self.send_error(404)
                    return
                body, kind = page, "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _write_config(folder: Path, base: str, smtp_port: int) -> None:
    folder.mkdir()
    (folder / "sources.yaml").write_text(
        "sources:\n"
        f"  - {{id: bao_bien, name: Báo Biển, type: rss, url: '{base}/feed.xml', kind: provincial_press, lang: vi, tier: 1, interval_minutes: 60}}\n",
        encoding="utf-8",
    )
    (folder / "schedule.yaml").write_text(
        "timezone: Asia/Ho_Chi_Minh\n"
        "crawl: {user_agent: 'HaiDang test (loopback only)', download_delay_seconds: 0, autothrottle: false}\n"
        f"mail: {{enabled: true, smtp_host: 127.0.0.1, smtp_port: {smtp_port}, sender: hd@localhost, "
        "digest_to: [canbo@localhost], alerts_to: [phatngon@localhost], retry_delay_seconds: 0}\n",
        encoding="utf-8",
    )


def _run_now(scheduler: object, db: Database, job_id: str, timeout: float = 180) -> JobRun:
    """Make the scheduler run ``job_id`` now and wait for the recorded outcome."""
    with db.session() as session:
        before = session.scalar(select(func.count(JobRun.id)).where(JobRun.job_id == job_id)) or 0
    scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session() as session:
            runs = session.scalars(select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.id)).all()
            if len(runs) > before and runs[-1].outcome != "running":
                return runs[-1]
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def test_several_simulated_days(db: Database, site: tuple[Site, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state, base = site
    clock = tmp_path / "clock"
    monkeypatch.setenv("HAIDANG_CLOCK_FILE", str(clock))
    monkeypatch.chdir(tmp_path)
    with smtp_server() as (inbox, smtp_port):
        _write_config(tmp_path / "cfg", base, smtp_port)
        monkeypatch.setenv("HAIDANG_CONFIG_DIR", str(tmp_path / "cfg"))
        config = load_config()
        scheduler = build_scheduler(config, db.url)
        scheduler.start(paused=True)
        # Nothing runs by itself during the test: every job is far in the future until asked.
        for job in scheduler.get_jobs():
            job.modify(next_run_time=datetime.now(UTC) + timedelta(days=365))
        scheduler.resume()
        try:
            per_day = {10: 2, 11: 2, 12: 9}  # the 12th is a spike
            for day, count in per_day.items():
                morning = datetime(2026, 11, day, 7, 0, tzinfo=TZ)
                set_clock(clock, morning.astimezone(UTC))
                for k in range(count):
                    published = morning - timedelta(minutes=30 + k)
                    state.items.append((f"{day}-{k}", f"Ngư dân Phú Quý bám biển Trường Sa, ngày {day} tin {k}", published))
                crawl = _run_now(scheduler, db, "crawl")
                assert crawl.outcome == "ok", crawl.message
                assert _run_now(scheduler, db, "alerts").outcome == "ok"
                digest = _run_now(scheduler, db, "digest")
                assert digest.outcome == "ok", digest.message
                # A crawl again the same day: nothing is due, nothing is duplicated.
                assert _run_now(scheduler, db, "crawl").outcome == "ok"
        finally:
            scheduler.shutdown(wait=True)
    with db.session() as session:
        assert session.scalar(select(func.count(Article.id))) == 13
    # Each morning's digest covers the day before.
    assert sorted(p.name for p in (tmp_path / "data" / "digests").glob("*.md")) == [
        "2026-11-09.md", "2026-11-10.md", "2026-11-11.md"]
    assert "Phú Quý" in (tmp_path / "data" / "digests" / "2026-11-11.md").read_text(encoding="utf-8")
    subjects = [str(m["Subject"]) for m in inbox.messages]
    alerts = [s for s in subjects if "tăng đột biến" in s]
    assert len(alerts) >= 1 and all("9 tin" in s for s in alerts), subjects
    assert sum("Bản tin ngày" in s for s in subjects) == 3


def test_run_stops_cleanly_on_sigterm_and_jobs_lists(db: Database, tmp_path: Path) -> None:
    import json
    import os
    import signal
    import subprocess
    import sys

    # Loopback only: one source on a port where nothing listens (the crawl at start fails fast).
    _write_config(tmp_path / "cfg", "http://127.0.0.1:9", 9)
    env = {**os.environ, **db.env, "HAIDANG_CONFIG_DIR": str(tmp_path / "cfg")}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", "--no-web"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    # Listed soonest first: which job that is depends on the time of day (the digest's hour).
    assert first.startswith("scheduler started with jobs: "), first
    assert "crawl" in first.removeprefix("scheduler started with jobs: ").strip().split(", "), first
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "stopping after the job in hand" in out and out.rstrip().endswith("stopped"), out
    listed = subprocess.run([sys.executable, "-m", "pipeline.cli", "jobs", "--json"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=True)
    jobs = {j["id"]: j for j in json.loads(listed.stdout)}
    assert set(jobs) == {"crawl", "revisit", "digest", "weekly", "alerts", "annual_report", "mail_retry"}
    assert jobs["digest"]["next_run"] is not None  # the job store kept the schedule
    bad = subprocess.run([sys.executable, "-m", "pipeline.cli", "jobs", "run", "nope"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "unknown job 'nope'" in bad.stderr
