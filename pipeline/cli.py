"""The ``haidang`` command. Each area registers its subcommands from its own module."""

from __future__ import annotations

import importlib
import logging
import sys

import typer

app = typer.Typer(
    name="haidang",
    help="Hải Đăng: theo dõi báo chí và phân loại thông tin cho văn phòng tỉnh.\n\n"
    "Media monitoring and misinformation triage. Example: haidang crawl --once",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Modules that each define ``register(app: typer.Typer) -> None``.
COMMAND_MODULES = [
    "pipeline.cli_config",
    "pipeline.cli_db",
    "pipeline.cli_crawl",
    "pipeline.cli_revisit",
    "pipeline.cli_nlp",
    "pipeline.cli_train",
    "pipeline.cli_topic_model",
    "pipeline.cli_risk",
    "pipeline.cli_search",
    "pipeline.cli_web",
    "pipeline.cli_demo",
    "pipeline.cli_run",
    "pipeline.cli_report",
    "pipeline.cli_corrections",
]

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    logging.basicConfig(
        level=logging.INFO if "--verbose" in sys.argv else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if "--verbose" in sys.argv:
        sys.argv.remove("--verbose")
    app()


if __name__ == "__main__":
    main()
