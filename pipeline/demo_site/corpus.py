"""Load the demo outlets and their articles from the bundled YAML files."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

logger = logging.getLogger(__name__)

SITE_DIR = Path(__file__).resolve().parent
TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_WEEKDAYS_VI = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]


@dataclass(frozen=True, kw_only=True)
class DemoArticle:
    """One article as written in the YAML file; ``days_ago`` is relative to serve time."""

    outlet: str
    id: int
    slug: str
    section: str
    section_slug: str
    title: str
    lead: str
    paragraphs: tuple[str, ...]
    author: str
    days_ago: int
    time: str
    tags: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"/{self.outlet}/{self.section_slug}/{self.slug}-{self.id}.html"

    def word_count(self) -> int:
        return len(" ".join((self.lead, *self.paragraphs)).split())

    def published(self, now: dt.datetime) -> dt.datetime:
        """Publication time in Vietnam time, ``days_ago`` days before ``now``.

        An item of today whose clock time has not come yet is moved to earlier
        in the current hour (but not before midnight), so no item lies in the
        future and two crawls within the hour see the same time.
        """
        local_now = now.astimezone(TZ)
        hour, minute = (int(part) for part in self.time.split(":"))
        day = local_now.date() - dt.timedelta(days=self.days_ago)
        when = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
        if when > local_now:
            midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
            hour_start = local_now.replace(minute=0, second=0, microsecond=0)
            when = max(midnight, hour_start - dt.timedelta(minutes=self.id % 50))
        return when


@dataclass(frozen=True, kw_only=True)
class Outlet:
    id: str
    name: str
    tagline: str
    lang: str
    feed: str  # "rss" or "atom"
    template: str  # "news" or "blog"
    sections: tuple[tuple[str, str], ...]  # (slug, label) for the navigation bar
    footer: str
    articles: tuple[DemoArticle, ...]

    @property
    def feed_path(self) -> str:
        if self.feed == "atom":
            return f"/{self.id}/atom.xml"
        return f"/{self.id}/rss/{'latest' if self.lang == 'en' else 'tin-moi-nhat'}.rss"


def vietnamese_dateline(when: dt.datetime) -> str:
    """``Thứ hai, 4/11/2026, 07:30 (GMT+7)`` as Vietnamese outlets print it."""
    local = when.astimezone(TZ)
    return f"{_WEEKDAYS_VI[local.weekday()]}, {local.day}/{local.month}/{local.year}, {local:%H:%M} (GMT+7)"


def english_dateline(when: dt.datetime) -> str:
    """``November 4, 2026 | 07:30 am (GMT+7)``."""
    local = when.astimezone(TZ)
    return (
        f"{local:%B} {local.day}, {local.year} | {local:%I:%M %p}".replace("AM", "am").replace(
            "PM", "pm"
        )
        + " (GMT+7)"
    )


class CorpusError(ValueError):
    """A demo YAML file is malformed; the message names file and article."""


def _article(
    outlet_id: str, raw: dict[str, Any], sections: dict[str, str], where: str
) -> DemoArticle:
    try:
        body = str(raw["body"]).strip()
        art = DemoArticle(
            outlet=outlet_id,
            id=int(raw["id"]),
            slug=str(raw["slug"]),
            section=sections[str(raw["section"])],
            section_slug=str(raw["section"]),
            title=str(raw["title"]).strip(),
            lead=str(raw["lead"]).strip(),
            paragraphs=tuple(" ".join(p.split()) for p in body.split("\n\n") if p.strip()),
            author=str(raw.get("author", "")),
            days_ago=int(raw["days_ago"]),
            time=str(raw["time"]),
            tags=tuple(str(t) for t in raw.get("tags", [])),
        )
    except KeyError as exc:
        raise CorpusError(f"{where}: missing or unknown {exc.args[0]!r}") from exc
    if not _SLUG.match(art.slug) or not _TIME.match(art.time) or not 0 <= art.days_ago <= 30:
        raise CorpusError(f"{where}: bad slug, time (HH:MM) or days_ago (0..30)")
    return art


def load_outlet(path: Path) -> Outlet:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    meta = data["outlet"]
    sections = {str(k): str(v) for k, v in meta["sections"].items()}
    articles = tuple(
        _article(meta["id"], raw, sections, f"{path.name}: article {i} ({raw.get('slug', '?')})")
        for i, raw in enumerate(data["articles"])
    )
    return Outlet(
        id=str(meta["id"]),
        name=str(meta["name"]),
        tagline=str(meta.get("tagline", "")),
        lang=str(meta.get("lang", "vi")),
        feed=str(meta.get("feed", "rss")),
        template=str(meta.get("template", "news")),
        sections=tuple(sections.items()),
        footer=str(meta.get("footer", "")).strip(),
        articles=articles,
    )


def load_outlets(directory: Path = SITE_DIR) -> list[Outlet]:
    """Every ``outlet_*.yaml`` in ``directory``, in file-name order; ids checked unique."""
    outlets = [load_outlet(path) for path in sorted(directory.glob("outlet_*.yaml"))]
    seen: set[tuple[str, int]] = set()
    for outlet in outlets:
        for art in outlet.articles:
            key = (outlet.id, art.id)
            if key in seen:
                raise CorpusError(f"outlet {outlet.id}: article id {art.id} used twice")
            seen.add(key)
    logger.debug(
        "demo corpus: %d outlets, %d articles", len(outlets), sum(len(o.articles) for o in outlets)
    )
    return outlets
