"""Placeholder until the risk owner fills it: no signals yet, risk is zero."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nlp.records import Risk, TopicScore


class RiskAssessor:
    def __init__(self, config: Any, models_dir: Path | None = None) -> None:
        self.config = config
        self.models_dir = models_dir

    def assess(
        self,
        title: str,
        text: str,
        topics: Sequence[TopicScore],
        *,
        source_tier: int | None = None,
    ) -> Risk:
        del title, text, topics, source_tier
        return Risk()
