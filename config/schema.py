"""pydantic models for every configuration file. ``extra="forbid"`` everywhere:
a misspelt key is an error that names the file and the field, not a silent default."""

from __future__ import annotations

import re
import datetime as dt
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- province.yaml ---------------------------------------------------------


class PlaceKind(StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    TOWN = "town"
    COMMUNE = "commune"
    LANDMARK = "landmark"
    PRODUCT = "product"


class Place(Strict):
    """A gazetteer entry. ``aliases`` may be written with or without diacritics
    and in English; matching also folds diacritics itself."""

    name: str = Field(min_length=2)
    kind: PlaceKind
    aliases: list[str] = []
    # A name that also exists elsewhere (e.g. a ward in another city) needs a
    # second, unambiguous place in the same item before it counts.
    ambiguous: bool = False


class ProvinceInfo(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    name_en: str = ""
    current_province: str = Field(description="the province it was merged into")
    merged_on: dt.date | None = None


class Gazetteer(Strict):
    province: ProvinceInfo
    places: list[Place] = Field(min_length=1)
    # Phrases in which a place name does not refer to the province
    # ("xổ số Bình Thuận", "phường Bình Thuận, Quận 7").
    negative_contexts: list[str] = []
    # Other provinces' names: a place mentioned among this many others is a list, not a story.
    other_provinces: list[str] = []
    list_mention_min: int = Field(default=6, ge=2)


# --- sources.yaml ----------------------------------------------------------


class SourceType(StrEnum):
    RSS = "rss"
    SITEMAP = "sitemap"
    LISTING = "listing"
    PAGE = "page"


class SourceKind(StrEnum):
    PROVINCIAL_PRESS = "provincial_press"
    NATIONAL_PRESS = "national_press"
    GOVERNMENT = "government"
    FOREIGN_PRESS = "foreign_press"
    BLOG = "blog"
    SEARCH = "search"
    SOCIAL = "social"


_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class Source(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$", max_length=64)
    name: str = Field(min_length=1)
    type: SourceType
    url: str
    kind: SourceKind
    lang: str = Field(default="vi", pattern=r"^[a-z]{2}$")
    tier: int = Field(ge=1, le=5, description="credibility the office gives: 1 highest, 5 lowest")
    enabled: bool = True
    interval_minutes: int | None = Field(default=None, ge=5, le=7 * 24 * 60)
    only_relevant: bool = Field(default=False, description="keep only province-relevant items")
    # listing sources
    link_selector: str | None = None
    next_selector: str | None = None
    max_pages: int = Field(default=1, ge=1, le=50)
    # sitemap sources
    max_age_days: int = Field(default=3, ge=1, le=365)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not _URL.match(value):
            raise ValueError("expected an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _listing_needs_selector(self) -> Source:
        if self.type is SourceType.LISTING and not self.link_selector:
            raise ValueError("a listing source needs link_selector (CSS, or XPath starting with /)")
        return self


class SourcesFile(Strict):
    sources: list[Source]

    @model_validator(mode="after")
    def _unique_ids(self) -> SourcesFile:
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(f"source id {source.id!r} is used twice")
            seen.add(source.id)
        return self


# --- topics.yaml -----------------------------------------------------------


class Terms(Strict):
    vi: list[str] = []
    en: list[str] = []


class Topic(Strict):
    id: str = Field(pattern=r"^[a-z_]+$")
    name: str
    plan: str = Field(description="plan section, e.g. §II.5.1")
    sensitive: bool = False
    # One strong term is enough to assign the topic.
    strong: Terms = Terms()
    # Weak terms add up; two distinct ones are needed.
    terms: Terms = Terms()
    # Hard negatives (TOPICS.md): when one fires and no strong term does, the topic is vetoed.
    negatives: Terms = Terms()
    subtags: dict[str, Terms] = {}


class TopicsFile(Strict):
    topics: list[Topic] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> TopicsFile:
        ids = [t.id for t in self.topics]
        if len(ids) != len(set(ids)):
            raise ValueError("topic ids must be unique")
        return self


# --- schedule.yaml ---------------------------------------------------------


class CrawlSettings(Strict):
    default_interval_minutes: int = Field(default=60, ge=5)
    download_delay_seconds: float = Field(default=1.0, ge=0)
    concurrent_per_domain: int = Field(default=1, ge=1, le=8)
    timeout_seconds: int = Field(default=30, ge=1, le=600)
    max_page_bytes: int = Field(default=5_000_000, ge=10_000)
    user_agent: str = Field(min_length=10)
    obey_robots: bool = True
    autothrottle: bool = True
    max_entries_per_feed: int = Field(default=100, ge=1)
    backoff_max_hours: int = Field(default=24, ge=1)
    revisit_max_age_days: int = Field(default=3, ge=0)
    revisit_interval_hours: int = Field(default=6, ge=1)


class DigestSettings(Strict):
    time: dt.time = dt.time(6, 30)
    weekly_day: str = Field(default="mon", pattern=r"^(mon|tue|wed|thu|fri|sat|sun)$")


class Schedule(Strict):
    timezone: str = "Asia/Ho_Chi_Minh"
    crawl: CrawlSettings
    digest: DigestSettings = DigestSettings()

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


# --- all together ----------------------------------------------------------


class Config(Strict):
    province: Gazetteer
    sources: list[Source]
    topics: list[Topic]
    schedule: Schedule

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)
