"""``haidang db ...``: database schema management."""

from __future__ import annotations

import typer

from pipeline.errors import friendly
from storage.db import database_url, make_engine
from storage.migrate import current_revision, upgrade

db_app = typer.Typer(help="Database schema. Example: haidang db upgrade", no_args_is_help=True)


@db_app.command("upgrade")
@friendly
def db_upgrade(revision: str = typer.Argument("heads", help="target revision")) -> None:
    """Create or migrate the schema (SQLite by default, HAIDANG_DATABASE_URL otherwise).

    Example: HAIDANG_DATABASE_URL=postgresql://127.0.0.1/test haidang db upgrade
    """
    engine = make_engine()
    upgrade(engine, revision)
    typer.echo(f"database at revision {current_revision(engine)} ({engine.url.render_as_string()})")


@db_app.command("url")
def db_url() -> None:
    """Print the database URL in use (password hidden)."""
    from sqlalchemy.engine import make_url

    typer.echo(make_url(database_url()).render_as_string(hide_password=True))


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
