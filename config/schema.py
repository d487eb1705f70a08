"""pydantic models for every configuration file. ``extra="forbid"`` everywhere:
a misspelt key is an error that names the file and the field, not a silent default."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _has_a_word(phrase: str) -> str:
    if not re.search(r"[^\W_]", phrase):
        raise ValueError(f"{phrase!r} has no letter or digit: a phrase is matched by its words")
    return phrase


# A term, name or phrase matched against text (nlp.phrases): it needs at least one word.
Phrase = Annotated[str, AfterValidator(_has_a_word)]


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

    name: Phrase = Field(min_length=2)
    kind: PlaceKind
    aliases: list[Phrase] = []
    # A name that also exists elsewhere (e.g. a ward in another city) needs a
    # second, unambiguous place in the same item before it counts.
    ambiguous: bool = False
    # Forms of an ambiguous name that are unambiguous on their own ("huyện Đức Linh").
    unambiguous_aliases: list[Phrase] = []


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
    negative_contexts: list[Phrase] = []
    # Phrases that mark a whole item as not about the province when it names nothing more
    # specific than the province itself (lottery results: "xổ số", "KQXS").
    negative_documents: list[Phrase] = []
    # Other provinces' names: a place mentioned among this many others is a list, not a story.
    other_provinces: list[Phrase] = []
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
    vi: list[Phrase] = []
    en: list[Phrase] = []


class Requires(Terms):
    """What must appear for a topic to be assigned at all: one of the terms, a strong term of
    the topic, or (``foreign_party``) a foreign party of ``parties.foreign``."""

    foreign_party: bool = False


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
    # The topic is assigned only when one of these (or a strong term) appears: Vietnam's
    # external relations always have another country or an international body in them.
    requires: Requires | None = None
    subtags: dict[str, Terms] = {}


class Parties(Strict):
    """Who an item is about: every topic is Vietnam's (TOPICS.md's hard negatives: "no
    Vietnamese party", "with no Vietnamese actor", "borders between other countries").

    An item that names a ``foreign`` party and no ``vietnamese`` one (nor any province or
    place of province.yaml) carries no topic.
    """

    vietnamese: Terms = Terms()
    foreign: Terms = Terms()
    # Words that, right before a foreign name, make Vietnam the other party ("xuất khẩu sang
    # Mỹ", "nhà đầu tư Nhật Bản", "hội đàm với").
    relations: Terms = Terms()
    # Words that begin with a foreign name and are not it ("Mỹ phẩm", "Nhật ký").
    compounds: Terms = Terms()


class TopicsFile(Strict):
    topics: list[Topic] = Field(min_length=1)
    parties: Parties = Parties()

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


class MailSettings(Strict):
    """SMTP delivery. The login comes from HAIDANG_SMTP_USER / HAIDANG_SMTP_PASSWORD, never YAML."""

    enabled: bool = False
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    starttls: bool = False
    sender: str = "haidang@localhost"
    digest_to: list[str] = []
    alerts_to: list[str] = []
    report_to: list[str] = []
    retries: int = Field(default=3, ge=0, le=20)
    retry_delay_seconds: float = Field(default=30.0, ge=0)


class AlertSettings(Strict):
    """Coverage spikes: today's count against a Poisson with the trailing mean."""

    baseline_days: int = Field(default=14, ge=3, le=90)
    p_value: float = Field(default=0.01, gt=0, lt=0.5)
    min_count: int = Field(default=3, ge=1)
    check_minutes: int = Field(default=30, ge=1)


class JobSettings(Strict):
    """How the long-running service (``haidang run``) schedules its jobs."""

    crawl_check_minutes: int = Field(default=5, ge=1)
    misfire_grace_minutes: int = Field(default=30, ge=1)
    report_reminder: str = Field(default="11-01", pattern=r"^\d{2}-\d{2}$", description="MM-DD")


class Schedule(Strict):
    timezone: str = "Asia/Ho_Chi_Minh"
    crawl: CrawlSettings
    digest: DigestSettings = DigestSettings()
    mail: MailSettings = MailSettings()
    alerts: AlertSettings = AlertSettings()
    jobs: JobSettings = JobSettings()

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


# --- facts.yaml ------------------------------------------------------------


class FactNumber(Strict):
    """A figure the office states officially, e.g. 192 km of coastline."""

    value: float
    unit: str = Field(min_length=1, description="km, km2, ha, tan, nguoi, %, ... (see nlp.risk UNIT_ALIASES)")
    tolerance: float = Field(default=0.02, ge=0, le=1, description="relative difference still taken as agreement")
    label: str = ""
    # When given, the figure counts only within ~60 characters of one of these terms
    # ("xuất khẩu" for an export figure), so other figures in the sentence are not compared.
    near: list[str] = []


class Fact(Strict):
    """An official fact or position of the office (plan §II.6: official information)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$", max_length=64)
    subject: str = Field(min_length=2)
    # A sentence is about the fact when it contains one of these (diacritics folded).
    keywords: list[str] = Field(min_length=1)
    # When given, one of these must also appear in the sentence or the title.
    context: list[str] = []
    statement: str = Field(min_length=5, description="the official statement shown to the spokesperson")
    numbers: list[FactNumber] = []
    # Phrases that state the official position; negated ("không thuộc ...") they contradict it.
    affirm: list[str] = []
    # Phrases that state the opposite position ("thuộc Trung Quốc").
    reverse: list[str] = []
    source: str = Field(min_length=3, description="the document the fact comes from")
    date: dt.date
    topic: str | None = None


class FactsFile(Strict):
    facts: list[Fact] = []

    @field_validator("facts")
    @classmethod
    def _consistent(cls, facts: list[Fact]) -> list[Fact]:
        """Ids unique; one subject never given two different numbers in the same unit."""
        seen: dict[str, int] = {}
        by_subject: dict[tuple[str, str], tuple[int, Fact, FactNumber]] = {}
        for index, fact in enumerate(facts):
            if fact.id in seen:
                raise ValueError(f"facts[{index}].id: fact id {fact.id!r} is used twice (also facts[{seen[fact.id]}])")
            seen[fact.id] = index
            for number in fact.numbers:
                key = (" ".join(fact.subject.casefold().split()), number.unit.casefold() + "|" + number.label.casefold())
                other = by_subject.get(key)
                if other is not None and other[2].value != number.value:
                    o_index, o_fact, o_number = other
                    raise ValueError(
                        f"facts[{index}] (id={fact.id}).numbers and facts[{o_index}] (id={o_fact.id}).numbers "
                        f"contradict each other: subject {fact.subject!r} is given as "
                        f"{number.value:g} {number.unit} and {o_number.value:g} {o_number.unit}"
                    )
                by_subject[key] = (index, fact, number)
        return facts


# --- risk.yaml -------------------------------------------------------------


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class RiskWeights(Strict):
    """How much each signal can add. The score is a noisy-OR:
    ``score = 1 - prod(1 - weight * strength)``, strength in [0, 1] per signal."""

    contradicts_fact: float = Field(default=0.6, ge=0, le=1)
    terminology: float = Field(default=0.55, ge=0, le=1)
    sensational: float = Field(default=0.25, ge=0, le=1)
    source_credibility: float = Field(default=0.15, ge=0, le=1)
    uncorroborated: float = Field(default=0.15, ge=0, le=1)
    model: float = Field(default=0.35, ge=0, le=1)


class TermList(Strict):
    vi: list[Phrase] = []
    en: list[Phrase] = []

    def all(self) -> list[str]:
        return [*self.vi, *self.en]


class TerminologySettings(Strict):
    # Foreign administrative names for Vietnamese islands: flagged unless rebutted.
    foreign_names: TermList = TermList()
    # Terms flagged only when an approving phrase is near ("nine-dash line").
    approval_required: TermList = TermList()
    approving_context: TermList = TermList()


class SensationalSettings(Strict):
    phrases: TermList = TermList()
    absolute_claims: TermList = TermList()
    # An absolute claim in a sentence that names a source is not "unsourced".
    attribution: TermList = TermList()
    exclamation_run: int = Field(default=2, ge=2, description="this many '!' in a row count as a run")
    caps_min_words: int = Field(default=3, ge=2, description="this many ALL-CAPS words in a row count")
    caps_ignore: list[str] = []
    hits_for_full_strength: int = Field(default=3, ge=1)


class SeverityRules(Strict):
    # score >= high -> high, >= medium -> medium, else low
    high: float = Field(default=0.8, ge=0, le=1)
    medium: float = Field(default=0.6, ge=0, le=1)
    # Sensitive topics raise priority (one level), never the score (truth).
    sensitive_topics: list[str] = ["bien_dao", "bien_gioi", "nhan_quyen"]
    sensitive_raise: int = Field(default=1, ge=0, le=2)


class Corroboration(Strict):
    top_tiers: list[int] = [1]
    window_hours: int = Field(default=48, ge=1)


class RiskSettings(Strict):
    threshold: float = Field(default=0.5, ge=0, le=1)
    weights: RiskWeights = RiskWeights()
    # Source tier -> strength of the source_credibility signal.
    tier_strength: dict[int, float] = {1: 0.0, 2: 0.2, 3: 0.5, 4: 0.8, 5: 1.0}
    # Phrases that mark a sentence as reporting and rejecting a claim ("phản đối", "cái gọi là").
    rebuttal_context: TermList = TermList()
    negations: TermList = TermList(vi=["không", "chưa", "chẳng", "chả", "đâu phải", "không hề", "chưa bao giờ"], en=["not", "never", "no longer", "isn't", "is not", "aren't"])
    # How many words before a phrase a negation may stand (Vietnamese words are syllables).
    negation_window: int = Field(default=6, ge=1, le=15)
    terminology: TerminologySettings = TerminologySettings()
    sensational: SensationalSettings = SensationalSettings()
    severity: SeverityRules = SeverityRules()
    deadlines_hours: dict[Severity, int] = {Severity.HIGH: 24, Severity.MEDIUM: 72, Severity.LOW: 168}
    corroboration: Corroboration = Corroboration()

    @model_validator(mode="after")
    def _bands(self) -> RiskSettings:
        if self.severity.medium > self.severity.high:
            raise ValueError("severity.medium must not be above severity.high")
        for tier, strength in self.tier_strength.items():
            if not 1 <= tier <= 5 or not 0 <= strength <= 1:
                raise ValueError(f"tier_strength: tier {tier} -> {strength}: tiers are 1..5, strengths 0..1")
        return self


# --- all together ----------------------------------------------------------


class Config(Strict):
    province: Gazetteer
    sources: list[Source]
    topics: list[Topic]
    schedule: Schedule
    parties: Parties = Parties()
    facts: list[Fact] = []
    risk: RiskSettings = RiskSettings()

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)
