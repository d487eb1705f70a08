"""Topic names and their order (plan sections in TOPICS.md order) for display."""

from __future__ import annotations

from dataclasses import dataclass

from config.schema import Config


@dataclass(frozen=True, kw_only=True)
class TopicLabel:
    id: str
    name: str
    plan: str


def topic_labels(config: Config) -> list[TopicLabel]:
    """Configured topics in topics.yaml order (the shipped file follows TOPICS.md)."""
    return [TopicLabel(id=t.id, name=t.name, plan=t.plan) for t in config.topics]


def topic_names(config: Config) -> dict[str, str]:
    """Topic id -> Vietnamese name from topics.yaml (ids not configured show as themselves)."""
    return {t.id: t.name for t in config.topics}
