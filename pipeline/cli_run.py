"""``haidang run`` (the long-running service) and ``haidang jobs``."""

from __future__ import annotations

import importlib
import json
import logging
import signal
import threading
from datetime import UTC, datetime
from types import FrameType

import typer
from sqlalchemy import text

from config import load_config
from pipeline.errors import UserError, friendly
from pipeline.scheduler import JOB_TABLE, build_scheduler, job_specs
from storage.db import make_engine
from storage.migrate import upgrade

logger = logging.getLogger(__name__)

jobs_app = typer.Typer(help="Scheduled jobs. Example: haidang jobs", invoke_without_command=True)


def run(
    host: str = typer.Option("127.0.0.1", help="address of the web app"),
    port: int = typer.Option(8000, help="port of the web app"),
    web: bool = typer.Option(True, "--web/--no-web", help="also serve the web app"),
) -> None:
    """Run Hải Đăng: crawl on schedule, digest, alerts, annual report, and the web app.

    Stops cleanly on SIGTERM or Ctrl-C after the job in hand. Example: haidang run --port 8000
    """
    _run(host, port, web)


@friendly
def _run(host: str, port: int, web: bool) -> None:
    config = load_config()
    upgrade(make_engine())
    # Handlers first: a SIGTERM that comes while the scheduler starts still stops cleanly.
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        typer.echo(f"signal {signum}: stopping after the job in hand", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    scheduler = build_scheduler(config)
    scheduler.start()
    typer.echo(f"scheduler started with jobs: {', '.join(j.id for j in scheduler.get_jobs())}")
    try:
        if web and not stop.is_set():
            import uvicorn

            from web.app import create_app

            typer.echo(f"web app on http://{host}:{port}/")
            # uvicorn installs its own SIGTERM/SIGINT handlers and returns when asked to stop.
            uvicorn.Server(uvicorn.Config(create_app(), host=host, port=port, log_level="warning")).run()
        else:
            stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        typer.echo("stopped")


@jobs_app.callback()
def jobs(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="JSON for scripts")) -> None:
    """List jobs with their last and next run and last outcome. Example: haidang jobs --json"""
    if ctx.invoked_subcommand is not None:
        return
    _list_jobs(as_json)


@friendly
def _list_jobs(as_json: bool) -> None:
    from pipeline.jobs import last_runs

    config = load_config()
    engine = make_engine()
    upgrade(engine)
    next_runs: dict[str, float | None] = {}
    with engine.connect() as conn:
        if engine.dialect.has_table(conn, JOB_TABLE):
            next_runs = dict(conn.execute(text(f"SELECT id, next_run_time FROM {JOB_TABLE}")).all())  # noqa: S608 - constant table name
    runs = last_runs()
    rows = []
    for job_id, _func, _trigger in job_specs(config):
        last = runs.get(job_id)
        nxt = next_runs.get(job_id)
        rows.append({
            "id": job_id,
            "next_run": datetime.fromtimestamp(nxt, UTC).isoformat() if nxt else None,
            "last_run": last.started_at.isoformat() if last else None,
            "last_outcome": last.outcome if last else None,
            "last_message": last.message if last else None,
        })
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{'job':<14} {'next run (UTC)':<26} {'last run (UTC)':<26} outcome")
    for row in rows:
        typer.echo(
            f"{row['id']:<14} {(row['next_run'] or '— (service not started)')[:25]:<26} "
            f"{(row['last_run'] or '—')[:25]:<26} {row['last_outcome'] or '—'} {row['last_message'] or ''}"
        )


@jobs_app.command("run")
@friendly
def run_job(job_id: str = typer.Argument(..., help="job id, as listed by `haidang jobs`")) -> None:
    """Run one job now, in this process. Example: haidang jobs run digest"""
    specs = {j: f for j, f, _ in job_specs(load_config())}
    if job_id not in specs:
        raise UserError(f"unknown job {job_id!r}; jobs are: {', '.join(specs)}")
    upgrade(make_engine())
    module, func = specs[job_id].split(":")
    outcome = getattr(importlib.import_module(module), func)()
    typer.echo(f"{job_id}: {outcome}")
    if outcome != "ok":
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.add_typer(jobs_app, name="jobs")
