"""Topic names and their order (plan sections in TOPICS.md order) for display."""

from __future__ import annotations

from dataclasses import dataclass

from config.schema import Config
from nlp.normalize import normalize
from nlp.parties import Parties
from nlp.phrases import TextView


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


# Compiled once per loaded configuration (the app holds one; tests load several).
_compiled: dict[int, tuple[Config, Parties]] = {}


def _parties(config: Config) -> Parties:
    held = _compiled.get(id(config))
    if held is None or held[0] is not config:
        if len(_compiled) >= 4:
            _compiled.clear()
        held = _compiled[id(config)] = (config, Parties(config.parties, config.province))
    return held[1]


def foreign_parties(
    config: Config, title: str, text: str, lang: str = "vi"
) -> tuple[str, ...]:
    """Why an item has no topic, when that is the reason: the foreign parties it names and
    no Vietnamese one (``nlp.parties``), as the analyser decides it with today's config."""
    title = normalize(title or "")
    joined = ". ".join(p for p in (title, normalize(text or "")) if p)
    view = TextView(joined)
    return _parties(config).foreign_only(view, title_end=len(title), lang=lang)
