"""``haidang demo``: serve the recorded demo site, crawl it, then open the web UI."""

from __future__ import annotations

import logging
import socket
from contextlib import ExitStack
from typing import TYPE_CHECKING

import typer
from sqlalchemy.orm import Session, sessionmaker

from config import load_config
from config.schema import Config
from pipeline.demo import (
    DEFAULT_SITE_PORT,
    DEFAULT_WEB_PORT,
    demo_config,
    ensure_demo_users,
    run_demo_crawl,
)
from pipeline.demo_site.server import PortBusyError, serve_site
from pipeline.errors import UserError, friendly

if TYPE_CHECKING:
    from pipeline.crawl import CrawlSummary

logger = logging.getLogger(__name__)


def _print_summary(summary: CrawlSummary) -> None:
    """One line per demo source, then the totals."""
    headers = ["source", "fetched", "new", "updated", "unchanged", "errors"]
    tallies = [*sorted(summary.sources.items()), ("TOTAL", summary.totals)]
    rows = [
        [sid, *(str(n) for n in (t.fetched, t.new, t.updated, t.unchanged, t.errors))]
        for sid, t in tallies
    ]
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        typer.echo(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
        )
    typer.echo(f"crawl run {summary.run_id}: {summary.close_reason}")


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly
    def demo(
        once: bool = typer.Option(
            False, "--once", help="Crawl the demo site, print the summary and exit."
        ),
        port: int = typer.Option(
            DEFAULT_WEB_PORT, "--port", help="Port of the web UI on 127.0.0.1."
        ),
        site_port: int = typer.Option(
            DEFAULT_SITE_PORT,
            "--site-port",
            help="Port of the demo news site on 127.0.0.1. Keep it fixed: article URLs contain it.",
        ),
    ) -> None:
        """Try Hải Đăng offline: a recorded news site is served on 127.0.0.1, crawled,
        analysed and stored, then the web UI opens with demo users.

        Example: haidang demo --once
        """
        from storage.db import database_url, make_engine, session_factory, session_scope
        from storage.migrate import upgrade

        config = load_config()
        if not once:
            _check_port_free(port)
        engine = make_engine(database_url())
        upgrade(engine)
        sessions = session_factory(engine)
        with ExitStack() as stack:
            stack.callback(engine.dispose)
            try:
                site = stack.enter_context(serve_site(site_port))
            except PortBusyError:
                raise UserError(
                    f"port {site_port} on 127.0.0.1 is busy (is another 'haidang demo' running?); "
                    "stop it or choose another with --site-port"
                ) from None
            count = sum(len(o.articles) for o in site.outlets)
            typer.echo(
                f"Trang tin minh họa: {site.base_url}/ ({count} bài, {len(site.outlets)} tòa soạn)"
            )
            config = demo_config(config, site)
            summary = run_demo_crawl(config, sessions, site)
            _print_summary(summary)
            if once:
                return
            with session_scope(sessions) as session:
                users = ensure_demo_users(session)
            _serve_web(port, users, sessions, config)


def _check_port_free(port: int) -> None:
    """Fail before the crawl, not after it, when the web UI's port is taken."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise UserError(
                f"port {port} on 127.0.0.1 is busy; choose another for the web UI with --port"
            ) from None


def _serve_web(
    port: int, users: list[tuple[str, str, str]], sessions: sessionmaker[Session], config: Config
) -> None:
    import uvicorn

    from web.app import create_app

    app = create_app(sessions, config)
    typer.echo(f"\nHải Đăng: mở http://127.0.0.1:{port}/ trong trình duyệt (Ctrl+C để dừng).")
    typer.echo("Tài khoản minh họa (tên / vai trò / mật khẩu):")
    for name, role, password in users:
        typer.echo(f"  {name:<9} {role:<13} {password}")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
