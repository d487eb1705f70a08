"""Load and validate the YAML configuration, with per-file overlay."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from config.schema import (
    Config,
    FactsFile,
    Gazetteer,
    RiskSettings,
    Schedule,
    SourcesFile,
    TopicsFile,
)

SHIPPED_DIR = Path(__file__).resolve().parent

# file name -> (model, key in Config, how to take the value out of the file model)
CONFIG_FILES: dict[str, type[BaseModel]] = {
    "province.yaml": Gazetteer,
    "sources.yaml": SourcesFile,
    "topics.yaml": TopicsFile,
    "schedule.yaml": Schedule,
    "facts.yaml": FactsFile,
    "risk.yaml": RiskSettings,
}


class ConfigError(Exception):
    """One or more problems in the configuration, each naming file and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def config_dirs() -> list[Path]:
    """Directories searched for each file, first match wins."""
    override = os.environ.get("HAIDANG_CONFIG_DIR")
    dirs = [Path(override).expanduser()] if override else []
    return [*dirs, SHIPPED_DIR]


def find_file(name: str) -> Path:
    for directory in config_dirs():
        path = directory / name
        if path.is_file():
            return path
    raise ConfigError([f"{name}: file not found in {', '.join(map(str, config_dirs()))}"])


def _field_path(loc: tuple[Any, ...], data: Any) -> str:
    """Turn a pydantic location into ``sources[3] (id=vnexpress).url``."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node):
                node = node[item]
                if isinstance(node, Mapping) and "id" in node:
                    label += f" (id={node['id']})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, Mapping) else None
    return "".join(parts) or "(top level)"


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{path}:{where}: not valid YAML: {problem}"]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: not UTF-8 text ({exc.reason})"]) from exc


def validate_file(path: Path, model: type[BaseModel]) -> BaseModel:
    data = read_yaml(path)
    if data is None:
        raise ConfigError([f"{path}: the file is empty"])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = _field_path(tuple(err["loc"]), data)
            problems.append(f"{path}: {field}: {err['msg']}")
        raise ConfigError(problems) from exc


def load_config() -> Config:
    """Read and check every file; raise ``ConfigError`` listing all problems found."""
    problems: list[str] = []
    parts: dict[str, Any] = {}
    for name, model in CONFIG_FILES.items():
        try:
            parts[name] = validate_file(find_file(name), model)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    sources: SourcesFile = parts["sources.yaml"]
    topics: TopicsFile = parts["topics.yaml"]
    return Config(
        province=parts["province.yaml"],
        sources=sources.sources,
        topics=topics.topics,
        parties=topics.parties,
        schedule=parts["schedule.yaml"],
        facts=parts["facts.yaml"].facts,
        risk=parts["risk.yaml"],
    )
