"""User mistakes end the command with one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer

from config import ConfigError

P = ParamSpec("P")
R = TypeVar("R")


class UserError(Exception):
    """Something the user can fix; the message says what."""


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"haidang: {message}", err=True)
    return typer.Exit(code)


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn ConfigError and UserError into a clear message and exit status 2."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            typer.echo("haidang: configuration error:", err=True)
            for problem in exc.problems:
                typer.echo(f"  {problem}", err=True)
            raise typer.Exit(2) from None
        except UserError as exc:
            raise fail(str(exc)) from None

    return wrapper
