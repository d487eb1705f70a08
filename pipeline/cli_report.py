"""``haidang digest`` and ``haidang report``."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from config import load_config
from pipeline.clock import now
from pipeline.digest import build_digest
from pipeline.digest_deliver import DEFAULT_DIR, save_digest, send_digest
from pipeline.digest_render import DigestFormat, render
from pipeline.errors import UserError, friendly
from pipeline.report import build_report
from pipeline.report_render import ReportFormat
from pipeline.report_render import render as render_report
from storage.db import make_engine, session_factory, session_scope
from storage.migrate import upgrade


def _parse_day(value: str | None, tz: str) -> date:
    if value is None:
        return now().astimezone(ZoneInfo(tz)).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--date {value!r}: expected YYYY-MM-DD") from None


def digest(
    day: str = typer.Option(None, "--date", help="YYYY-MM-DD; default today in the office's time zone"),
    fmt: DigestFormat = typer.Option(DigestFormat.TXT, "--format", help="html, md or txt"),
    send: bool = typer.Option(False, "--send", help="e-mail it to schedule.yaml mail.digest_to"),
    out_dir: Path = typer.Option(DEFAULT_DIR, "--dir", help="where all formats are saved"),
) -> None:
    """Print the digest of a day, save it in every format, optionally e-mail it.

    Example: haidang digest --date 2026-11-25 --format md --send
    """
    _digest(day, fmt, send, out_dir)


@friendly
def _digest(day: str | None, fmt: DigestFormat, send: bool, out_dir: Path) -> None:
    config = load_config()
    the_day = _parse_day(day, config.schedule.timezone)
    engine = make_engine()
    upgrade(engine)
    with session_scope(session_factory(engine)) as session:
        result = build_digest(session, config, the_day, now())
    save_digest(result, out_dir)
    typer.echo(render(result, fmt), nl=False)
    if send:
        report = send_digest(config, result)
        typer.echo(f"sent {report.sent}, waiting in outbox {report.pending}", err=True)
        for error in report.errors:
            typer.echo(f"haidang: mail: {error}", err=True)
        if report.errors:
            raise typer.Exit(1)


def report(
    year: int = typer.Option(..., "--year", help="calendar year, e.g. 2026"),
    fmt: ReportFormat = typer.Option(ReportFormat.DOCX, "--format", help="docx, html or pdf"),
    out: Path = typer.Option(None, "--out", help="file to write; default data/reports/bao-cao-YEAR.FORMAT"),
) -> None:
    """Write the annual report (plan §III.2, due before 10 November).

    Example: haidang report --year 2026 --format docx
    """
    _report(year, fmt, out)


@friendly
def _report(year: int, fmt: ReportFormat, out: Path | None) -> None:
    if not 1990 <= year <= datetime.now().year + 1:
        raise UserError(f"--year {year}: expected a year between 1990 and next year")
    config = load_config()
    engine = make_engine()
    upgrade(engine)
    with session_scope(session_factory(engine)) as session:
        result = build_report(session, config, year, now())
    path = out or Path("data") / "reports" / f"bao-cao-{year}.{fmt.value}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_report(result, fmt))
    typer.echo(f"{path}: {result.total} items, {result.flags_total} flags, {result.responded} responded")


def register(app: typer.Typer) -> None:
    app.command("digest")(digest)
    app.command("report")(report)
