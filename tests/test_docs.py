"""Every setting is documented (docs/configuration.md) and every command is in the README."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import typer.main
from pydantic import BaseModel

from config.loader import CONFIG_FILES
from pipeline.cli import app

REPO = Path(__file__).resolve().parent.parent


def _fields(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[str]:
    if model in seen:
        return set()
    seen.add(model)
    names = set()
    for name, field in model.model_fields.items():
        names.add(name)
        for outer in typing.get_args(field.annotation) or (field.annotation,):
            for inner in typing.get_args(outer) or (outer,):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    names |= _fields(inner, seen)
    return names


def test_every_setting_is_documented() -> None:
    doc = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)", doc)) | set(re.findall(r"\.([a-z_]+)`", doc))
    seen: set[type[BaseModel]] = set()
    for name, model in CONFIG_FILES.items():
        assert f"`{name}`" in doc, name
        missing = _fields(model, seen) - documented
        assert not missing, f"{name}: settings not in docs/configuration.md: {sorted(missing)}"


def _commands(group: typing.Any, prefix: str = "") -> list[str]:
    found = []
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        if getattr(command, "commands", None):
            found += _commands(command, full + " ")
        else:
            found.append(full)
    return found


def test_every_command_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    missing = [c for c in _commands(group) if f"haidang {c}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"
