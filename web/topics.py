"""Topic names and their order (plan sections in TOPICS.md order) for display."""

from __future__ import annotations

from dataclasses import dataclass

from config.schema import Config

# The order of ../shared/TOPICS.md, which the digest follows.
TOPIC_ORDER = (
    "bien_dao",
    "bien_gioi",
    "nhan_quyen",
    "dau_tu",
    "chuyen_doi_so",
    "van_hoa_du_lich",
    "san_pham",
    "hop_tac_quoc_te",
    "khcn",
)


@dataclass(frozen=True, kw_only=True)
class TopicLabel:
    id: str
    name: str
    plan: str


def topic_labels(config: Config) -> list[TopicLabel]:
    """Configured topics, TOPICS.md order first, then any others in file order."""
    rank = {topic_id: i for i, topic_id in enumerate(TOPIC_ORDER)}
    ordered = sorted(
        enumerate(config.topics), key=lambda item: (rank.get(item[1].id, len(rank)), item[0])
    )
    return [TopicLabel(id=t.id, name=t.name, plan=t.plan) for _, t in ordered]


def topic_names(config: Config) -> dict[str, str]:
    """Topic id -> Vietnamese name from topics.yaml (ids not configured show as themselves)."""
    return {t.id: t.name for t in config.topics}
