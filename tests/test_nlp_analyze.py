"""nlp.Analyzer: normalise, detect language, segment once, gazetteer, lexicon, model, risk."""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nlp
from config import load_config
from config.schema import Config
from nlp import Analyzer, TextItem
from nlp.records import Risk, TopicScore
from nlp.segment import segment_for_model
from nlp.topic_model import TopicPrediction

# ``nlp.analyze`` is the function; the module of the same name is reached through importlib.
analyze_module = importlib.import_module("nlp.analyze")


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config()


class FakeModel:
    """Stands in for ``nlp.topic_model.TopicModel``: fixed probabilities, one feature per topic."""

    version = "fake-1"

    def __init__(self, probs: dict[str, float]) -> None:
        self.probs = probs
        self.seen: list[str] = []
        self.thresholds: dict[str, float] = {}

    def score(self, segmented: str) -> TopicPrediction:
        self.seen.append(segmented)
        row = (np.zeros(0, dtype=np.int64), np.zeros(0))
        return TopicPrediction(probabilities=dict(self.probs), row=row)

    def explain_row(self, row: object, topic: str, k: int = 5) -> list[str]:
        return [f"{topic}_feature"][:k]


def _analyzer(config: Config, monkeypatch: pytest.MonkeyPatch, model: Any = None) -> Analyzer:
    monkeypatch.setattr(analyze_module.topic_model_module, "load_topic_model", lambda _dir: model)
    return Analyzer(config)


def test_lexicon_only_analysis(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    analyzer = _analyzer(config, monkeypatch)
    result = analyzer.analyze(
        TextItem(title="Ngư dân Phan Thiết bám biển Hoàng Sa", text="Tàu cá vươn khơi dài ngày.")
    )
    assert result.lang == "vi"
    assert result.province.relevant
    assert [t.id for t in result.topics] == ["bien_dao"]
    assert "Hoàng Sa" in result.topics[0].evidence
    assert 5 <= result.tokens <= 20
    assert result.model_version.startswith("analyzer-") and "lexicon-" in result.model_version
    contract = result.to_contract("x1")
    assert contract["id"] == "x1" and contract["province"]["places"] == ["Phan Thiết"]


def test_segments_once_and_feeds_the_model_its_exact_input(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = FakeModel({})
    analyzer = _analyzer(config, monkeypatch, model)
    calls: list[str] = []
    real = analyze_module.segment_normalized

    def counting(text: str) -> str:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(analyze_module, "segment_normalized", counting)
    title, text = "Ngư dân Phú Quý  bám biển", "Tàu cá hoà nhịp   sóng."
    analyzer.analyze(TextItem(title=title, text=text))
    assert len(calls) == 1
    assert model.seen == [segment_for_model(title, text)]


@pytest.mark.parametrize(
    ("title", "text", "probs", "expected"),
    [
        # model alone assigns at 0.5, and its features become evidence
        ("", "Một bài viết bình thường về đời sống.", {"khcn": 0.7}, {"khcn": ("model:khcn_feature",)}),
        ("", "Một bài viết bình thường về đời sống.", {"khcn": 0.4}, {}),
        # a strong lexicon term in the body needs some support from the model ...
        ("", "Tàu lạ xuất hiện ở Hoàng Sa.", {"bien_dao": 0.05}, {}),
        (
            "",
            "Tàu lạ xuất hiện ở Hoàng Sa.",
            {"bien_dao": 0.2},
            {"bien_dao": ("Hoàng Sa", "model:bien_dao_feature")},
        ),
        # ... in the headline it assigns whatever the model says
        (
            "Tàu lạ xuất hiện ở Hoàng Sa",
            "Một bài viết.",
            {"bien_dao": 0.05},
            {"bien_dao": ("Hoàng Sa", "model:bien_dao_feature")},
        ),
        # a hard negative vetoes even a confident model; only a strong term overrides it
        ("", "Ngư dân đưa tàu cá vào bờ tránh bão.", {"bien_dao": 0.99}, {}),
        (
            "",
            "Tàu cá tránh bão ở Hoàng Sa.",
            {"bien_dao": 0.2},
            {"bien_dao": ("Hoàng Sa", "tàu cá", "model:bien_dao_feature")},
        ),
        # weak terms in the body are evidence; they do not lower the model's bar
        ("", "Ngư dân đưa tàu cá ra khơi.", {"bien_dao": 0.3}, {}),
        # ... a weak term in the headline lowers it to TITLE_TERM_SUPPORT, not to nothing
        (
            "Ngư dân ra khơi đầu năm",
            "Một bài viết.",
            {"bien_dao": 0.3},
            {"bien_dao": ("ngư dân", "model:bien_dao_feature")},
        ),
        ("Ngư dân ra khơi đầu năm", "Một bài viết.", {"bien_dao": 0.2}, {}),
        (
            "",
            "Ngư dân đưa tàu cá ra khơi.",
            {"bien_dao": 0.5},
            {"bien_dao": ("ngư dân", "tàu cá", "model:bien_dao_feature")},
        ),
    ],
)
def test_lexicon_and_model_combined(
    config: Config,
    monkeypatch: pytest.MonkeyPatch,
    title: str,
    text: str,
    probs: dict[str, float],
    expected: dict[str, tuple[str, ...]],
) -> None:
    analyzer = _analyzer(config, monkeypatch, FakeModel(probs))
    result = analyzer.analyze(TextItem(title=title, text=text))
    assert {t.id: t.evidence for t in result.topics} == expected
    assert all(0.0 <= t.score <= 1.0 for t in result.topics)
    assert "topics-fake-1" in result.model_version


def test_topics_are_sorted_by_score(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    analyzer = _analyzer(config, monkeypatch, FakeModel({"khcn": 0.6, "dau_tu": 0.9}))
    result = analyzer.analyze(TextItem(title="", text="Một bài viết bình thường."))
    assert [t.id for t in result.topics] == ["dau_tu", "khcn"]


@dataclass
class RecordingRisk:
    config: Any
    models_dir: Path | None = None
    calls: list[dict[str, Any]] | None = None

    def assess(
        self,
        title: str,
        text: str,
        topics: Sequence[TopicScore],
        *,
        source_tier: int | None = None,
        normalized: bool = False,
    ) -> Risk:
        RECORDED.append(
            {
                "title": title,
                "topics": [t.id for t in topics],
                "tier": source_tier,
                "normalized": normalized,
            }
        )
        return Risk(score=0.25)


RECORDED: list[dict[str, Any]] = []


@dataclass(frozen=True)
class Draft:
    title: str
    text: str
    lang: str | None
    source_id: str


def test_risk_gets_the_topics_and_the_source_tier(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analyze_module.risk_module, "RiskAssessor", RecordingRisk)
    analyzer = _analyzer(config, monkeypatch)
    RECORDED.clear()
    tier = {s.id: s.tier for s in config.sources}
    rfa = next(s.id for s in config.sources if s.tier >= 3)
    # Decomposed Unicode and the other tone style: risk gets the normalised text, and says so.
    result = analyzer.analyze(
        TextItem(title=unicodedata.normalize("NFD", "Hoàng Sa là của Việt Nam  "), text="", source=rfa)
    )
    analyzer.analyze(Draft(title="Tin", text="Bài", lang="vi", source_id=config.sources[0].id))
    analyzer.analyze(TextItem(title="Tin", text="Bài", source="no-such-source"))
    assert result.risk.score == 0.25
    assert RECORDED[0] == {
        "title": "Hoàng Sa là của Việt Nam",
        "topics": ["bien_dao"],
        "tier": tier[rfa],
        "normalized": True,
    }
    assert RECORDED[1]["tier"] == config.sources[0].tier
    assert RECORDED[2]["tier"] is None


def test_english_items_use_the_english_lexicon_without_segmenting(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyzer = _analyzer(config, monkeypatch, FakeModel({}))
    monkeypatch.setattr(analyze_module, "segment_normalized", lambda _t: pytest.fail("segmented"))
    result = analyzer.analyze(
        TextItem(
            title="Vietnam protests Chinese survey ship near the Spratly Islands",
            text="Fishermen from Phan Thiet said the coast guard escorted their boats.",
        )
    )
    assert result.lang == "en"
    assert result.province.relevant
    assert "bien_dao" in {t.id for t in result.topics}


def test_short_items_fall_back_to_their_declared_language(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyzer = _analyzer(config, monkeypatch)
    assert analyzer.analyze(TextItem(title="VNeID", text="", lang="vi")).lang == "vi"
    assert analyzer.analyze(TextItem(title="", text="", lang=None)).lang == "other"


def test_entities_only_when_asked(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyze_module.topic_model_module, "load_topic_model", lambda _dir: None)
    doc = TextItem(
        title="", text="Ông Nguyễn Văn Nam làm việc tại Phan Thiết. Bà Lê Thị Hoa đến Hà Nội."
    )
    assert Analyzer(config).analyze(doc).entities == ()
    entities = Analyzer(config, entities=True).analyze(doc).entities
    assert ("Nguyễn Văn Nam", "PER") in entities
    assert all(kind in ("PER", "ORG", "LOC") for _, kind in entities)


def test_module_level_analyze_uses_one_default_analyzer() -> None:
    first = nlp.default_analyzer()
    assert nlp.default_analyzer() is first
    assert nlp.analyze(TextItem(title="Thanh long Bình Thuận vào vụ", text="")).province.relevant


def test_model_version_fits_the_storage_column(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    class LongVersion(FakeModel):
        version = "v" * 120

    short = _analyzer(config, monkeypatch, FakeModel({})).model_version
    long = _analyzer(config, monkeypatch, LongVersion({})).model_version
    assert len(long) <= analyze_module.VERSION_MAX_CHARS
    assert long != short


@pytest.mark.parametrize(
    ("title", "text", "topic"),
    [
        # Session 8's lexicon: a ministry's name alone is not S&T news, personal investment is not
        # investment attraction, a crime against tourists is not tourism.
        (
            "Bộ Khoa học và Công nghệ điều động hai vụ trưởng",
            "Bộ trưởng trao quyết định điều động, bổ nhiệm cán bộ lãnh đạo cấp vụ.",
            "khcn",
        ),
        (
            "Năm mới, gửi tiết kiệm hay chọn kênh đầu tư nào?",
            "Chuyên gia gợi ý cách chia tiền nhàn rỗi giữa vàng, chứng khoán và tiết kiệm.",
            "dau_tu",
        ),
        (
            "Bắt nhóm thanh niên hành hung du khách ở phố đi bộ",
            "Công an phường tạm giữ bốn người liên quan vụ ẩu đả với hai du khách.",
            "van_hoa_du_lich",
        ),
        (
            "Giao tranh ở biên giới Thái Lan - Campuchia",
            "Hàng nghìn người sơ tán khỏi khu vực biên giới.",
            "bien_gioi",
        ),
        (
            "Áp thấp nhiệt đới mạnh lên thành bão",
            "Ngư dân khẩn trương đưa tàu cá vào bờ tránh bão.",
            "bien_dao",
        ),
    ],
)
def test_hard_negatives_hold_with_the_shipped_models(
    config: Config, title: str, text: str, topic: str
) -> None:
    result = Analyzer(config).analyze(TextItem(title=title, text=text))
    assert topic not in {t.id for t in result.topics}


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        # No other country, no international body: "hợp tác" and "ký" are domestic news.
        ("Lâm Đồng ký hợp tác truyền thông với 29 cơ quan báo chí", "", False),
        ("BIDV và KN Holdings ký thỏa thuận hợp tác toàn diện", "", False),
        # A foreign party of parties.foreign, even inside "Việt Nam - ...".
        ("Hợp tác quốc phòng Việt Nam - Ấn Độ bước sang giai đoạn mới", "", True),
        # A country missing from parties.foreign, named in the requires list.
        ("Nâng cao hiệu quả hợp tác nghị viện Việt Nam - Jordan", "", True),
        # A strong term satisfies the requirement by itself.
        ("Đẩy mạnh công tác đối ngoại nhân dân", "", True),
    ],
)
def test_external_relations_need_another_party(
    config: Config, monkeypatch: pytest.MonkeyPatch, title: str, text: str, expected: bool
) -> None:
    # The model is sure; the requirement still decides.
    analyzer = _analyzer(config, monkeypatch, FakeModel({"hop_tac_quoc_te": 0.95}))
    result = analyzer.analyze(TextItem(title=title, text=text))
    assert ("hop_tac_quoc_te" in {t.id for t in result.topics}) is expected


def test_requirement_also_holds_without_a_model(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyzer = _analyzer(config, monkeypatch)
    # Two weak terms ("hội đàm", "đoàn đại biểu") would assign the topic; no other party does not.
    domestic = analyzer.analyze(
        TextItem(title="Tỉnh ủy hội đàm với đoàn đại biểu Mặt trận Tổ quốc tỉnh", text="")
    )
    assert "hop_tac_quoc_te" not in {t.id for t in domestic.topics}
    foreign = analyzer.analyze(
        TextItem(title="Tỉnh ủy hội đàm với đoàn đại biểu tỉnh Hủa Phăn của nước Lào", text="")
    )
    assert "hop_tac_quoc_te" in {t.id for t in foreign.topics}
