"""The long-running service's scheduler: APScheduler 3 with its jobs in our database.

Missed runs are coalesced into one, a job never runs twice at once, and a run missed
by more than the grace time is skipped (the next one comes soon enough).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from config.schema import Config
from storage.db import database_url

logger = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"


def job_specs(config: Config) -> list[tuple[str, str, object]]:
    """(job id, function reference, trigger) for every job of the service."""
    s = config.schedule
    tz = s.timezone
    month, day = (int(x) for x in s.jobs.report_reminder.split("-"))
    return [
        ("crawl", "pipeline.jobs:crawl_due", IntervalTrigger(minutes=s.jobs.crawl_check_minutes, timezone=tz)),
        ("revisit", "pipeline.jobs:revisit_recent", IntervalTrigger(hours=s.crawl.revisit_interval_hours, timezone=tz)),
        ("digest", "pipeline.jobs:daily_digest", CronTrigger(hour=s.digest.time.hour, minute=s.digest.time.minute, timezone=tz)),
        ("weekly", "pipeline.jobs:weekly_summary", CronTrigger(day_of_week=s.digest.weekly_day, hour=s.digest.time.hour, minute=s.digest.time.minute, timezone=tz)),
        ("alerts", "pipeline.jobs:check_alerts", IntervalTrigger(minutes=s.alerts.check_minutes, timezone=tz)),
        ("annual_report", "pipeline.jobs:annual_report_reminder", CronTrigger(month=month, day=day, hour=8, timezone=tz)),
        ("mail_retry", "pipeline.jobs:flush_outbox", IntervalTrigger(minutes=15, timezone=tz)),
    ]


def build_scheduler(config: Config, url: str | None = None) -> BackgroundScheduler:
    """A scheduler whose jobs live in the project's database (table ``apscheduler_jobs``)."""
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=url or database_url(), tablename=JOB_TABLE)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": config.schedule.jobs.misfire_grace_minutes * 60,
        },
        timezone=config.schedule.timezone,
    )
    for job_id, func, trigger in job_specs(config):
        # replace_existing: a changed schedule.yaml takes effect at the next start.
        # The crawl also runs at start: an office that starts the service wants news now.
        first = {"next_run_time": datetime.now(UTC)} if job_id == "crawl" else {}
        scheduler.add_job(func, trigger=trigger, id=job_id, name=job_id, replace_existing=True, **first)
    return scheduler
