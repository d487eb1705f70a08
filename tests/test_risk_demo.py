"""The demo site's items against the shipped risk.yaml and facts.yaml plus the demo's own
facts (pipeline/demo_site/facts.yaml): the three flag-worthy blog posts are flagged for the
right reasons, the items that agree with the official facts are not."""

from __future__ import annotations

import pytest

from config import load_config
from nlp.risk import RiskAssessor
from pipeline.demo import demo_facts
from pipeline.demo_site.corpus import DemoArticle, load_outlets

# Tier the demo's sources.yaml gives the blog; the press outlets are tier 1.
BLOG_TIER = 5


@pytest.fixture(scope="module")
def items() -> dict[int, DemoArticle]:
    return {a.id: a for outlet in load_outlets() for a in outlet.articles}


@pytest.fixture(scope="module")
def assessor() -> RiskAssessor:
    config = load_config()
    return RiskAssessor(config.model_copy(update={"facts": [*config.facts, *demo_facts()]}))


def _assess(assessor: RiskAssessor, article: DemoArticle):  # type: ignore[no-untyped-def]
    text = "\n".join((article.lead, *article.paragraphs))
    tier = BLOG_TIER if article.outlet == "blog-tudo" else 1
    return assessor.assess(article.title, text, [], source_tier=tier)


@pytest.mark.parametrize(
    ("item_id", "facts", "signals"),
    [
        (5001, set(), {"terminology"}),
        (5002, {"thanh_long_xuat_khau", "ke_doi_duong"}, {"contradicts_fact", "sensational"}),
        (5003, {"tau_ca_xuat_ben"}, {"contradicts_fact", "sensational"}),
    ],
)
def test_flag_worthy_items_are_flagged_with_reasons(
    items: dict[int, DemoArticle], assessor: RiskAssessor, item_id: int, facts: set[str], signals: set[str]
) -> None:
    risk = _assess(assessor, items[item_id])
    assert risk.flagged, risk
    assert signals <= {s.name for s in risk.signals}
    found = {s.evidence["fact_id"] for s in risk.signals if s.name == "contradicts_fact"}
    assert facts <= found


def test_terminology_evidence_for_the_cruise_post(items: dict[int, DemoArticle], assessor: RiskAssessor) -> None:
    risk = _assess(assessor, items[5001])
    terms = {m["term"] for s in risk.signals if s.name == "terminology" for m in s.evidence["matches"]}
    assert {"quần đảo Tây Sa", "thành phố Tam Sa"} <= terms


@pytest.mark.parametrize("item_id", [1002, 1007, 3001, 3002, 3003, 4002, 4004])
def test_items_agreeing_with_the_facts_are_not_flagged(
    items: dict[int, DemoArticle], assessor: RiskAssessor, item_id: int
) -> None:
    risk = _assess(assessor, items[item_id])
    assert not risk.flagged, risk.signals
    assert not any(s.name in {"contradicts_fact", "terminology"} for s in risk.signals)
