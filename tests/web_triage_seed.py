"""A flagged article with real risk evidence, for the triage web tests and the browser test.

The risk comes from the shipped rules (``nlp.risk.RiskRules`` over config/risk.yaml and
config/facts.yaml), so the evidence spans are the ones the pipeline would store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from config import load_config
from nlp.normalize import normalize
from nlp.records import Analysis, ProvinceMatch, Risk, TopicScore
from nlp.risk import RiskRules
from pipeline.triage import ensure_flag
from storage.models import Article, ArticleVersion, Flag, Source
from tests.webkit import add_article, add_source

FLAG_TITLE = "SỐC: sự thật bị che giấu về Hoàng Sa"
FLAG_TEXT = (
    "Một trang mạng viết quần đảo Hoàng Sa thuộc Trung Quốc.\n"
    "Thành phố Tam Sa mở tuyến du lịch ra Tây Sa!!! Bờ biển Bình Thuận dài 250 km."
)
CALM_TITLE = "Hãng lữ hành Bình Thuận mở tour biển"
CALM_TEXT = "Công ty quảng cáo tour đi quần đảo Nam Sa."


@dataclass(frozen=True, kw_only=True)
class TriageSeed:
    flag_id: int
    article_id: int
    other_flag_id: int
    overdue_flag_id: int


def risk_of(title: str, text: str, tier: int) -> Risk:
    config = load_config()
    return RiskRules(config.risk, config.facts).assess(
        normalize(title), normalize(text), source_tier=tier
    )


def flag_article(session: Session, article: Article, now: datetime, tier: int) -> Flag:
    analysis = Analysis(
        lang="vi",
        province=ProvinceMatch(relevant=article.province_relevant),
        topics=tuple(TopicScore(id=t.topic, score=t.score) for t in article.topics),
        risk=risk_of(article.title, article.text, tier),
    )
    flag = ensure_flag(session, article, analysis, now, config=load_config(), corroborated=None)
    assert flag is not None, "the seeded text should be flagged by the shipped rules"
    return flag


def seed_triage(
    session: Session,
    now: datetime,
    *,
    title: str = FLAG_TITLE,
    text: str = FLAG_TEXT,
    url: str | None = None,
) -> TriageSeed:
    """Three flags: a high one (with a story cluster, an earlier version), a calm one, an overdue one."""
    for source_id, name, tier in (
        ("blogla", "Trang mạng lạ", 4),
        ("baobinhthuan", "Báo Bình Thuận", 1),
    ):
        if session.get(Source, source_id) is None:
            add_source(session, source_id, name, tier=tier)
    session.flush()
    article = add_article(
        session, "blogla", title, now - timedelta(hours=2), topics=("bien_dao",),
        province=True, cluster=5, text=text, url=url,
    )  # fmt: skip
    add_article(
        session, "baobinhthuan", "Hoàng Sa là của Việt Nam", now - timedelta(hours=1),
        topics=("bien_dao",), cluster=5,
    )  # fmt: skip
    article.version = 2
    session.add(
        ArticleVersion(
            article_id=article.id, version=1, title=title + " (bản đầu)", text=text,
            content_hash="0" * 64, fetched_at=now - timedelta(hours=2),
        )
    )  # fmt: skip
    flag = flag_article(session, article, now - timedelta(hours=1), tier=4)
    calm = add_article(
        session,
        "baobinhthuan",
        CALM_TITLE,
        now - timedelta(hours=3),
        topics=("dau_tu",),
        text=CALM_TEXT,
    )
    other = flag_article(session, calm, now - timedelta(hours=1), tier=4)
    old = add_article(
        session, "blogla", "Tin cũ: Tây Sa", now - timedelta(days=10), topics=("bien_dao",),
        text="Thành phố Tam Sa mở tuyến du lịch ra Tây Sa!!! SỐC",
    )  # fmt: skip
    overdue = flag_article(session, old, now - timedelta(days=10), tier=4)
    session.flush()
    return TriageSeed(
        flag_id=flag.id, article_id=article.id, other_flag_id=other.id, overdue_flag_id=overdue.id
    )
