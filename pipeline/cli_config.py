"""``haidang config ...``: check the configuration the office edits."""

from __future__ import annotations

import typer

from config import CONFIG_FILES, ConfigError, load_config
from config.loader import find_file

config_app = typer.Typer(
    help="Configuration files. Example: HAIDANG_CONFIG_DIR=/etc/haidang haidang config check",
    no_args_is_help=True,
)


@config_app.command("check")
def check() -> None:
    """Validate every configuration file; list each problem with file, field and what was expected.

    Example: haidang config check
    """
    for name in CONFIG_FILES:
        try:
            typer.echo(f"{name}: {find_file(name)}")
        except ConfigError as exc:
            typer.echo(exc.problems[0])
    try:
        config = load_config()
    except ConfigError as exc:
        typer.echo(f"configuration has {len(exc.problems)} problem(s):", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from None
    enabled = sum(1 for s in config.sources if s.enabled)
    typer.echo(
        f"ok: {len(config.sources)} sources ({enabled} enabled), {len(config.topics)} topics, "
        f"{len(config.province.places)} places, time zone {config.schedule.timezone}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
