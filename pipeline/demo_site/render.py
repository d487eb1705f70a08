"""Render demo pages and feeds from the corpus, with dates relative to ``now``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from email.utils import format_datetime

from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipeline.demo_site.corpus import (
    SITE_DIR,
    DemoArticle,
    Outlet,
    english_dateline,
    vietnamese_dateline,
)

_env = Environment(
    loader=FileSystemLoader(SITE_DIR),
    autoescape=select_autoescape(["html", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, kw_only=True)
class Dated:
    """An article with its times worked out for one rendering."""

    article: DemoArticle
    url: str
    published: dt.datetime
    iso: str
    rfc822: str
    dateline: str


class Renderer:
    """Turns the corpus into HTML and XML for a site served at ``base_url``."""

    def __init__(self, outlets: list[Outlet], base_url: str):
        self.outlets = {o.id: o for o in outlets}
        self.base_url = base_url.rstrip("/")
        self.by_path = {a.path: (o, a) for o in outlets for a in o.articles}

    def _dated(self, outlet: Outlet, art: DemoArticle, now: dt.datetime) -> Dated:
        when = art.published(now)
        line = english_dateline(when) if outlet.lang == "en" else vietnamese_dateline(when)
        return Dated(
            article=art,
            url=self.base_url + art.path,
            published=when,
            iso=when.isoformat(timespec="seconds"),
            rfc822=format_datetime(when),
            dateline=line,
        )

    def _newest_first(self, outlet: Outlet, now: dt.datetime) -> list[Dated]:
        items = [self._dated(outlet, a, now) for a in outlet.articles]
        return sorted(items, key=lambda d: (d.published, d.article.id), reverse=True)

    def article(self, path: str, now: dt.datetime) -> str | None:
        found = self.by_path.get(path)
        if found is None:
            return None
        outlet, art = found
        item = self._dated(outlet, art, now)
        related = [d for d in self._newest_first(outlet, now) if d.article.id != art.id][:4]
        json_ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": art.title,
            "description": art.lead,
            "datePublished": item.iso,
            "dateModified": item.iso,
            "inLanguage": outlet.lang,
            "author": [{"@type": "Person", "name": art.author}] if art.author else [],
            "publisher": {"@type": "Organization", "name": outlet.name},
            "mainEntityOfPage": {"@type": "WebPage", "@id": item.url},
            "articleSection": art.section,
            "keywords": ", ".join(art.tags),
        }
        # "</" inside a <script> block would end it early.
        json_ld_text = json.dumps(json_ld, ensure_ascii=False, indent=2).replace("</", "<\\/")
        template = _env.get_template(f"{outlet.template}_article.html")
        return template.render(
            site=self.base_url,
            outlet=outlet,
            item=item,
            art=art,
            related=related,
            json_ld=json_ld_text,
        )

    def home(self, outlet_id: str, now: dt.datetime) -> str | None:
        outlet = self.outlets.get(outlet_id)
        if outlet is None:
            return None
        return _env.get_template("home.html").render(
            site=self.base_url, outlet=outlet, items=self._newest_first(outlet, now)
        )

    def index(self) -> str:
        return _env.get_template("index.html").render(
            site=self.base_url, outlets=list(self.outlets.values())
        )

    def feed(self, path: str, now: dt.datetime) -> str | None:
        outlet = next((o for o in self.outlets.values() if o.feed_path == path), None)
        if outlet is None:
            return None
        items = self._newest_first(outlet, now)
        updated = items[0].published if items else now
        return _env.get_template(f"{outlet.feed}.xml").render(
            site=self.base_url,
            outlet=outlet,
            items=items,
            updated_iso=updated.isoformat(timespec="seconds"),
            updated_rfc822=format_datetime(updated),
        )
