"""Placeholder until the topic-model owner fills it (see team brief): no model yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def load_topic_model(models_dir: Path | None = None) -> Any | None:
    del models_dir
    return None
