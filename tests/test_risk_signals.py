"""Risk signals: each one fires on what it should, with evidence that points into the text."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from config import load_config
from config.schema import RiskSettings, Severity
from nlp.normalize import normalize
from nlp.records import Risk, Signal
from nlp.risk import RiskAssessor, RiskRules, combine, severity_for, with_corroboration
from nlp.risk_text import TermMatcher, parse_number, quantities, sentences


@pytest.fixture(scope="module")
def rules() -> RiskRules:
    config = load_config()
    return RiskRules(config.risk, config.facts)


def _names(risk: Risk) -> list[str]:
    return [s.name for s in risk.signals]


def _one(risk: Risk, name: str) -> Signal:
    found = [s for s in risk.signals if s.name == name]
    assert len(found) == 1, _names(risk)
    return found[0]


def _check_spans(title: str, text: str, matches: list[dict[str, Any]]) -> None:
    fields = {"title": normalize(title), "text": normalize(text)}
    for match in matches:
        start, end = match["span"]
        assert fields[match["field"]][start:end] == match["text"]


# --- official facts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "text", "fact_id", "kind"),
    [
        ("Hoàng Sa thuộc Trung Quốc", "Một blog viết như vậy.", "chu_quyen_hoang_sa", "reversal"),
        (
            "Bài viết lạ",
            "Quần đảo Trường Sa là lãnh thổ không thể tách rời của Trung Quốc.",
            "chu_quyen_truong_sa",
            "reversal",
        ),
        (
            "Tin trên mạng",
            "Tác giả cho rằng Hoàng Sa không thuộc chủ quyền Việt Nam.",
            "chu_quyen_hoang_sa",
            "negation",
        ),
        (
            "Du lịch Bình Thuận",
            "Bình Thuận có đường bờ biển dài 150 km.",
            "binh_thuan_bo_bien",
            "number",
        ),
        (
            "Ra đảo",
            "Đảo Phú Quý cách thành phố Phan Thiết khoảng 250 km.",
            "phu_quy_khoang_cach",
            "number",
        ),
    ],
)
def test_contradiction_is_flagged_with_the_fact(
    rules: RiskRules, title: str, text: str, fact_id: str, kind: str
) -> None:
    risk = rules.assess(title, text)
    signal = _one(risk, "contradicts_fact")
    evidence = signal.evidence
    assert evidence["fact_id"] == fact_id and evidence["kind"] == kind
    assert evidence["statement"] and evidence["source"] and evidence["date"]
    field_text = normalize(title if evidence["field"] == "title" else text)
    start, end = evidence["span"]
    assert field_text[start:end] == evidence["sentence"]
    m_start, m_end = evidence["matched_span"]
    assert field_text[m_start:m_end] == evidence["matched"]
    assert risk.flagged


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Chủ quyền biển đảo", "Quần đảo Hoàng Sa thuộc chủ quyền Việt Nam."),
        ("Bằng chứng lịch sử", "Hoàng Sa không thuộc Trung Quốc mà là của Việt Nam."),
        ("Du lịch biển", "Bình Thuận có đường bờ biển dài 192 km với nhiều bãi tắm đẹp."),
        ("Du lịch biển", "Bờ biển Bình Thuận dài gần 190 km."),  # within tolerance
        (
            "Ngoại giao",
            "Việt Nam kiên quyết phản đối việc Trung Quốc tuyên bố Hoàng Sa thuộc Trung Quốc.",
        ),
        ("Khánh Hòa", "Khánh Hòa có bờ biển dài 385 km."),  # not about Bình Thuận
    ],
)
def test_agreement_or_rebuttal_is_not_a_contradiction(
    rules: RiskRules, title: str, text: str
) -> None:
    risk = rules.assess(title, text)
    assert "contradicts_fact" not in _names(risk)
    assert not risk.flagged


# --- terminology -----------------------------------------------------------------


def test_foreign_island_names_are_flagged(rules: RiskRules) -> None:
    title, text = "Tàu du lịch ra Tây Sa", "Chuyến đi tới quần đảo Xisha thuộc thành phố Tam Sa."
    risk = rules.assess(title, text)
    signal = _one(risk, "terminology")
    terms = {m["text"].casefold() for m in signal.evidence["matches"]}
    assert {"tây sa", "xisha"} <= terms and any("tam sa" in t for t in terms)
    _check_spans(title, text, signal.evidence["matches"])
    assert risk.flagged


def test_foreign_name_without_diacritics_is_found(rules: RiskRules) -> None:
    assert "terminology" in _names(rules.assess("Tin bien", "Tau ca hoat dong o Tay Sa"))


def test_foreign_name_in_a_rebuttal_is_not_flagged(rules: RiskRules) -> None:
    risk = rules.assess(
        "Việt Nam phản đối", "Việt Nam phản đối việc Trung Quốc lập cái gọi là thành phố Tam Sa."
    )
    assert "terminology" not in _names(risk)


def test_nine_dash_line_only_when_approved(rules: RiskRules) -> None:
    approving = rules.assess("Biển Đông", "Vùng biển này nằm trong đường chín đoạn hợp pháp.")
    assert _one(approving, "terminology").evidence["matches"][0]["kind"] == "approving_use"
    neutral = rules.assess("Biển Đông", "Tòa trọng tài năm 2016 bác bỏ yêu sách đường chín đoạn.")
    assert "terminology" not in _names(neutral)
    english = rules.assess("South China Sea", "The area lies within China's nine-dash line.")
    assert "terminology" in _names(english)


# --- sensational -------------------------------------------------------------------


def test_sensational_wording(rules: RiskRules) -> None:
    title = "SỐC: SỰ THẬT BỊ CHE GIẤU về thanh long!!!"
    text = "Chấn động cả vùng. Uống nước thanh long chữa khỏi bệnh, 100% sự thật."
    risk = rules.assess(title, text)
    signal = _one(risk, "sensational")
    kinds = {m["kind"] for m in signal.evidence["matches"]}
    assert {"phrase", "exclamations", "all_caps", "unsourced_absolute"} <= kinds
    _check_spans(title, text, signal.evidence["matches"])
    assert signal.weight == pytest.approx(load_config().risk.weights.sensational)


def test_sourced_absolute_claim_and_acronyms_are_not_sensational(rules: RiskRules) -> None:
    risk = rules.assess(
        "UBND TP PHAN THIẾT họp",
        "Theo Sở Y tế, điều này là 100% sự thật. Hội nghị bàn về COVID và UNCLOS.",
    )
    signal = [s for s in risk.signals if s.name == "sensational"]
    kinds = {m["kind"] for s in signal for m in s.evidence["matches"]}
    assert "unsourced_absolute" not in kinds
    assert "all_caps" not in kinds  # two words after the ignored acronyms, not three


def test_plain_news_has_no_signals(rules: RiskRules) -> None:
    risk = rules.assess(
        "Xuất khẩu thanh long tăng 12%",
        "Theo Sở Nông nghiệp, kim ngạch xuất khẩu thanh long tăng 12% so với cùng kỳ.",
        source_tier=1,
    )
    assert risk.signals == () and risk.score == 0 and not risk.flagged


# --- source, corroboration, model, combination ----------------------------------------


def test_source_tier_and_uncorroborated(rules: RiskRules) -> None:
    settings = rules.settings
    low = rules.assess("Tin", "Nội dung.", source_tier=5, corroborated=False)
    assert _one(low, "source_credibility").evidence["tier"] == 5
    assert _one(low, "uncorroborated").weight == settings.weights.uncorroborated
    top = rules.assess("Tin", "Nội dung.", source_tier=1, corroborated=True)
    assert top.signals == ()
    unknown = rules.assess("Tin", "Nội dung.", corroborated=None)
    assert "uncorroborated" not in _names(unknown)


def test_model_signal_scales_above_half(rules: RiskRules) -> None:
    w = rules.settings.weights.model
    assert _one(rules.assess("a", "b", model_score=0.9), "model").weight == pytest.approx(w * 0.8)
    assert "model" not in _names(rules.assess("a", "b", model_score=0.4))
    assert rules.assess("a", "b", model_score=0.4).model_score == 0.4


def test_combine_is_a_bounded_noisy_or() -> None:
    def s(w: float) -> Signal:
        return Signal(name="x", weight=w, evidence={})

    assert combine([]) == 0
    assert combine([s(0.6)]) == pytest.approx(0.6)
    assert combine([s(0.6), s(0.5)]) == pytest.approx(0.8)
    assert combine([s(1.0), s(0.9)]) == pytest.approx(1.0)
    assert 0 <= combine([s(0.99)] * 50) <= 1


def test_threshold_comes_from_config() -> None:
    strict = RiskRules(RiskSettings(threshold=0.9))
    lenient = RiskRules(RiskSettings(threshold=0.1))
    text = ("Tin", "Nội dung.")
    assert not strict.assess(*text, source_tier=5).flagged
    assert lenient.assess(*text, source_tier=5).flagged


def test_with_corroboration_replaces_the_signal(rules: RiskRules) -> None:
    risk = rules.assess("Tin", "Nội dung.", corroborated=False)
    assert "uncorroborated" in _names(risk)
    cleared = with_corroboration(risk, True, rules.settings)
    assert "uncorroborated" not in _names(cleared) and cleared.score < risk.score
    again = with_corroboration(cleared, False, rules.settings)
    assert _names(again).count("uncorroborated") == 1


def test_sensitive_topics_raise_severity_not_score() -> None:
    settings = load_config().risk
    assert severity_for(0.55, [], settings) is Severity.LOW
    assert severity_for(0.55, ["bien_dao"], settings) is Severity.MEDIUM
    assert severity_for(0.85, ["nhan_quyen"], settings) is Severity.HIGH
    assert severity_for(0.65, ["dau_tu"], settings) is Severity.MEDIUM
    assessor = RiskAssessor(load_config())
    args = ("Hoàng Sa thuộc Trung Quốc", "Nội dung.")
    from nlp.records import TopicScore

    plain = assessor.assess(*args, [], use_model=False)
    sensitive = assessor.assess(*args, [TopicScore(id="bien_dao", score=1.0)], use_model=False)
    assert plain.score == sensitive.score


# --- text helpers ---------------------------------------------------------------------


def test_numbers_in_vietnamese_and_english_styles() -> None:
    assert parse_number("7.812,8") == pytest.approx(7812.8)
    assert parse_number("33.000") == 33000
    assert parse_number("1,25") == pytest.approx(1.25)
    assert parse_number("1,250,000") == 1250000
    found = [
        (q.value, q.unit) for q in quantities("tàu chạy 40 km/h, diện tích 7.812,8 km², 33.000 ha")
    ]
    assert found == [(7812.8, "km2"), (33000.0, "ha")]


def test_sentences_keep_offsets() -> None:
    text = "Diện tích 7.812,8 km². TP.HCM cách 200 km!\nDòng mới"
    for sentence in sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text
    assert len(sentences(text)) == 3


def test_term_matcher_finds_what_a_leading_word_boundary_pattern_finds() -> None:
    # TermMatcher checks the boundary before a match itself; it must find exactly the
    # non-overlapping matches of "(?<!\w)(?:terms)(?!\w)".
    terms = ["ab", "a b", "ba", "b", "đa", "a_"]
    matcher = TermMatcher(terms, folded=False)
    alternatives = sorted(terms, key=len, reverse=True)
    alternation = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in alternatives)
    reference = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice("abđ _1.\u00a0") for _ in range(rng.randint(0, 25)))
        expected = [(m.start(), m.end()) for m in reference.finditer(text)]
        assert [(s, e) for s, e, _ in matcher.find(text)] == expected, repr(text)
        assert matcher.search(text) == bool(expected), repr(text)
