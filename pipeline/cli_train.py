"""Command groups shared by several areas: ``haidang train ...`` and ``haidang eval ...``.

Modules add their own commands to these groups (``@train_app.command("topics")``).
"""

from __future__ import annotations

import typer

train_app = typer.Typer(
    help="Train models from labelled JSON lines. Example: haidang train topics --data my.jsonl --out models/",
    no_args_is_help=True,
)
eval_app = typer.Typer(
    help="Evaluate models on labelled JSON lines. Example: haidang eval topics --data dev.jsonl",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(train_app, name="train")
    app.add_typer(eval_app, name="eval")
