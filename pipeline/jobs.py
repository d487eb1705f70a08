"""The scheduled jobs of ``haidang run``. Each is a plain function of the database and
config, referenced by name so APScheduler can keep it in the database job store.

Every run is recorded in ``job_runs`` with its outcome; a failure is logged with its
reason and the scheduler carries on.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from config import load_config
from pipeline.clock import now
from storage.db import make_engine, session_factory, session_scope
from storage.models import JobRun

logger = logging.getLogger(__name__)

REPORTS_DIR = Path("data") / "reports"
CRAWL_TIMEOUT_SECONDS = 3 * 3600


class JobFailed(Exception):
    """A job could not do its work; the message says why."""


def _record(job_id: str, work: Callable[[], str]) -> str:
    """Run ``work`` and store its outcome; never raises, so the scheduler carries on."""
    sessions = session_factory(make_engine())
    with session_scope(sessions) as session:
        run = JobRun(job_id=job_id, started_at=now(), outcome="running", message="")
        session.add(run)
    try:
        message = work()
        outcome = "ok"
    except Exception as exc:  # noqa: BLE001 - a job's failure is recorded, not raised
        message = f"{type(exc).__name__}: {exc}"
        outcome = "failed"
        logger.error("job %s failed: %s\n%s", job_id, message, traceback.format_exc())
    with session_scope(sessions) as session:
        row = session.get(JobRun, run.id)
        if row is not None:
            row.finished_at, row.outcome, row.message = now(), outcome, message[:2000]
    logger.info("job %s: %s %s", job_id, outcome, message)
    return outcome


def _haidang(*args: str) -> str:
    """Run a ``haidang`` command in a child process.

    Crawls run in a fresh process each time: Scrapy's Twisted reactor cannot be
    restarted inside one process, so the hundredth crawl starts as clean as the first.
    """
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-m", "pipeline.cli", *args],
        capture_output=True,
        text=True,
        timeout=CRAWL_TIMEOUT_SECONDS,
        env=os.environ.copy(),
        check=False,
    )
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise JobFailed(f"haidang {' '.join(args)} exited {result.returncode}: {' | '.join(tail)}")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "done"


def crawl_due() -> str:
    return _record("crawl", lambda: _haidang("crawl"))


def revisit_recent() -> str:
    return _record("revisit", lambda: _haidang("revisit"))


def daily_digest() -> str:
    """The morning digest covers the last complete day."""

    def work() -> str:
        from pipeline.digest import build_digest
        from pipeline.digest_deliver import save_digest, send_digest

        config = load_config()
        day = now().astimezone(ZoneInfo(config.schedule.timezone)).date() - timedelta(days=1)
        with session_scope(session_factory(make_engine())) as session:
            digest = build_digest(session, config, day, now())
        save_digest(digest)
        report = send_digest(config, digest)
        return f"digest {day}: {digest.total} items; sent {report.sent}, pending {report.pending}"

    return _record("digest", work)


def weekly_summary() -> str:
    def work() -> str:
        from pipeline.weekly import build_weekly, send_weekly

        config = load_config()
        with session_scope(session_factory(make_engine())) as session:
            summary = build_weekly(session, config, now())
        report = send_weekly(config, summary)
        return f"weekly summary to {summary.end}: {summary.total} items; sent {report.sent}"

    return _record("weekly", work)


def check_alerts() -> str:
    def work() -> str:
        from pipeline.alerts import find_alerts, send_alerts

        config = load_config()
        with session_scope(session_factory(make_engine())) as session:
            events = find_alerts(session, config, now())
            sent = send_alerts(session, config, events, now())
        return f"{sent} new alert(s)"

    return _record("alerts", work)


def annual_report_reminder() -> str:
    """1 November: the draft report goes to the office head, attached as DOCX."""

    def work() -> str:
        from pipeline.mailer import build_message, deliver
        from pipeline.report import build_report
        from pipeline.report_render import ReportFormat, render

        config = load_config()
        year = now().astimezone(ZoneInfo(config.schedule.timezone)).year
        with session_scope(session_factory(make_engine())) as session:
            report = build_report(session, config, year, now())
        data = render(report, ReportFormat.DOCX)
        REPORTS_DIR.mkdir(parents=True, exist_ok=True)
        path = REPORTS_DIR / f"bao-cao-{year}.docx"
        path.write_bytes(data)
        mail = config.schedule.mail
        if not mail.report_to:
            return f"draft saved to {path}; no report_to recipients configured"
        message = build_message(
            mail, mail.report_to,
            f"[Hải Đăng] Dự thảo báo cáo năm {year} (hạn nộp trước 10/11)",
            f"Dự thảo báo cáo kết quả công tác thông tin đối ngoại năm {year} đính kèm.\n"
            "Hạn gửi Sở trước ngày 10 tháng 11.\n",
            attachments=[(path.name, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", data)],
        )
        sent = deliver(mail, message)
        return f"draft saved to {path}; sent {sent.sent}, pending {sent.pending}"

    return _record("annual_report", work)


def flush_outbox() -> str:
    def work() -> str:
        from pipeline.mailer import Outbox

        mail = load_config().schedule.mail
        if not mail.enabled:
            return "mail disabled"
        report = Outbox().flush(mail, attempts=1)
        return f"sent {report.sent}, pending {report.pending}"

    return _record("mail_retry", work)


def last_runs() -> dict[str, JobRun]:
    """The latest run of each job."""
    latest: dict[str, JobRun] = {}
    with session_scope(session_factory(make_engine())) as session:
        for run in session.scalars(select(JobRun).order_by(JobRun.id)):
            latest[run.job_id] = run
    return latest
