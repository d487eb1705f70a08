"""``haidang demo``: the recorded demo site, crawled into the database, then the web UI.

Everything stays on 127.0.0.1. The site listens on a fixed port by default so
that canonical URLs are the same from one run to the next and a second run adds
no duplicates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from config.loader import validate_file
from config.schema import Config, Fact, FactsFile, Source, SourceKind, SourceType
from pipeline.demo_site.server import DemoSite

if TYPE_CHECKING:
    from pipeline.crawl import CrawlSummary

logger = logging.getLogger(__name__)

DEFAULT_SITE_PORT = 8765
DEFAULT_WEB_PORT = 8000


@dataclass(frozen=True, kw_only=True)
class DemoOutletProfile:
    name: str
    kind: SourceKind
    tier: int


# How the office would rate each made-up outlet. Keyed by the outlet's path prefix.
PROFILES: dict[str, DemoOutletProfile] = {
    "baobinhthuan": DemoOutletProfile(
        name="Báo Bình Thuận (demo)", kind=SourceKind.PROVINCIAL_PRESS, tier=1
    ),
    "baoquocte": DemoOutletProfile(
        name="Báo Quốc tế (demo)", kind=SourceKind.NATIONAL_PRESS, tier=1
    ),
    "tintuc24": DemoOutletProfile(
        name="Tin tức 24h (demo)", kind=SourceKind.NATIONAL_PRESS, tier=2
    ),
    "vnn-english": DemoOutletProfile(
        name="Vietnam News Network English (demo)", kind=SourceKind.NATIONAL_PRESS, tier=2
    ),
    "blog-tudo": DemoOutletProfile(name="Blog Tự Do (demo)", kind=SourceKind.BLOG, tier=5),
}

# Scrapy settings for the crawl: the demo site is ours and local, so no
# politeness delay; robots.txt is still read (the site serves one that allows all).
CRAWL_OVERRIDES: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0.0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "ROBOTSTXT_OBEY": True,
}

DEMO_USERS: list[tuple[str, str]] = [
    ("canbo", "officer"),
    ("phatngon", "spokesperson"),
    ("phantich", "analyst"),
    ("quantri", "admin"),
]


def demo_source_id(outlet_id: str) -> str:
    """``vnn-english`` -> ``demo_vnn_english`` (source ids allow a-z, 0-9 and _)."""
    return "demo_" + outlet_id.replace("-", "_")


def demo_sources(site: DemoSite) -> list[Source]:
    sources = []
    for outlet in site.outlets:
        profile = PROFILES[outlet.id]  # tests/test_demo.py checks every outlet has one
        sources.append(
            Source(
                id=demo_source_id(outlet.id),
                name=profile.name,
                type=SourceType.RSS,
                url=site.base_url + outlet.feed_path,
                kind=profile.kind,
                lang=outlet.lang,
                tier=profile.tier,
            )
        )
    return sources


DEMO_FACTS = Path(__file__).resolve().parent / "demo_site" / "facts.yaml"


def demo_facts() -> list[Fact]:
    """The demo press release's (invented) official figures."""
    facts_file = validate_file(DEMO_FACTS, FactsFile)
    assert isinstance(facts_file, FactsFile)
    return facts_file.facts


def demo_config(config: Config, site: DemoSite) -> Config:
    """The shipped configuration plus one rss source per demo outlet and the demo's facts."""
    extra = demo_sources(site)
    ids = {s.id for s in extra}
    kept = [s for s in config.sources if s.id not in ids]
    facts = [*config.facts, *(f for f in demo_facts() if f.id not in {f.id for f in config.facts})]
    return config.model_copy(update={"sources": [*kept, *extra], "facts": facts})


def run_demo_crawl(config: Config, sessions: sessionmaker[Session], site: DemoSite) -> CrawlSummary:
    """Crawl the demo outlets once; returns the crawl's ``CrawlSummary``."""
    from pipeline.crawl import crawl_once  # the crawl core; imported late, it pulls in Scrapy

    ids = [demo_source_id(o.id) for o in site.outlets]
    return crawl_once(
        config, sessions, source_ids=ids, settings_overrides=dict(CRAWL_OVERRIDES), trigger="demo"
    )


def password_for(name: str) -> str:
    return f"demo-{name}"


def ensure_demo_users(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo users that do not exist yet; returns (name, role, password) for all.

    An existing user keeps its password: the demo never overwrites an account.
    """
    from web.users import create_user, get_user

    users = []
    for name, role in DEMO_USERS:
        if get_user(session, name) is None:
            create_user(session, name, role, password_for(name))
        users.append((name, role, password_for(name)))
    return users
