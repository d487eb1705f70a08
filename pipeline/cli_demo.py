"""Placeholder until its owner fills it: registers no commands yet."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    del app
