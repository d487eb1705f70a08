"""``haidang revisit``: re-fetch young articles to catch silent edits and take-downs."""

from __future__ import annotations

import json

import typer

from pipeline.errors import friendly


@friendly
def revisit(
    limit: int = typer.Option(0, "--limit", help="at most this many articles (0: all due)"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    setting: list[str] = typer.Option([], "--set", help="override a Scrapy setting, KEY=VALUE"),
) -> None:
    """Fetch again the articles due for a revisit (schedule.yaml: revisit_max_age_days,
    revisit_interval_hours); store edits as new versions, mark 404/410 as taken down.

    Example: haidang revisit --limit 200
    """
    from config import load_config
    from pipeline.cli_crawl import scrapy_overrides
    from pipeline.revisit import revisit_once
    from storage.db import make_engine, session_factory
    from storage.migrate import upgrade

    overrides = scrapy_overrides(setting)
    engine = make_engine()
    upgrade(engine)
    try:
        summary = revisit_once(
            load_config(),
            session_factory(engine),
            settings_overrides=overrides,
            limit=limit or None,
        )
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(summary.to_json(), ensure_ascii=False))
        return
    counts = ", ".join(f"{name} {count}" for name, count in sorted(summary.counts.items()))
    typer.echo(f"revisited {summary.due} articles: {counts or 'nothing due'}")


def register(app: typer.Typer) -> None:
    app.command("revisit")(revisit)
