"""Who an item is about (nlp.parties): foreign-only items carry no topic."""

from __future__ import annotations

import pytest

from config import load_config
from config.schema import Parties, Terms
from nlp import Analyzer
from nlp.normalize import normalize
from nlp.parties import Parties as CompiledParties
from nlp.phrases import TextView
from nlp.records import TextItem


@pytest.fixture(scope="module")
def parties() -> CompiledParties:
    config = load_config()
    return CompiledParties(config.parties, config.province)


def _foreign(parties: CompiledParties, text: str) -> tuple[str, ...]:
    return parties.foreign_only(TextView(normalize(text)))


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Nga tố Mỹ vi phạm công ước UNCLOS khi bắt tàu dầu", ("Nga", "Mỹ")),
        ("Tàu hải quân Mỹ đi qua eo biển Đài Loan lần đầu trong năm", ("Mỹ", "Đài Loan")),
        ("Đức nhắc Mỹ ai cũng phải tuân thủ luật pháp quốc tế", ("Đức", "Mỹ")),
        # A Vietnamese-looking body qualified by a foreign name is the foreign body.
        ("Quốc hội Mỹ thông qua dự luật ngân sách", ("Mỹ",)),
        ("Cảnh sát biển Trung Quốc tập trận", ("Trung Quốc",)),
        ("Google ra mắt mô hình AI mới", ("Google",)),
        ("US and China agree to pause tariffs", ("US", "China")),
    ],
)
def test_foreign_only_items(parties: CompiledParties, text: str, names: tuple[str, ...]) -> None:
    assert _foreign(parties, text) == names


@pytest.mark.parametrize(
    "text",
    [
        # A Vietnamese party, named or implied by a bare office.
        "Việt Nam và Mỹ nâng cấp quan hệ",
        "Tàu Trung Quốc hoạt động trái phép ở Hoàng Sa",
        "Thủ tướng điện đàm với Thủ tướng Singapore",
        "Trung Quốc và Philippines va chạm ở bãi cạn Scarborough",
        # Any place of province.yaml, with or without diacritics.
        "Nước mắm Phan Thiet vào siêu thị lớn ở Mỹ",
        # A relation: Vietnam is the other party.
        "Cá tra xuất khẩu sang Mỹ tăng trở lại",
        "Nhà đầu tư Nhật Bản khởi công nhà máy linh kiện",
        # Not a foreign name at all.
        "Nhiệt điện Phú Mỹ đổi mới sáng tạo",
        "Mỹ Tâm ra mắt album mới",
        "Chủ Nhật này trời nắng nóng",
        "Mỹ phẩm giả bán tràn lan trên mạng",
        "Chị Nga bán rau ở chợ",
        "Tin tức trong ngày",
    ],
)
def test_not_foreign_only(parties: CompiledParties, text: str) -> None:
    assert _foreign(parties, text) == ()


def test_empty_config_finds_nothing() -> None:
    province = load_config().province
    empty = CompiledParties(Parties(), province)
    assert empty.foreign_only(TextView("Nga tố Mỹ vi phạm công ước UNCLOS")) == ()
    only_foreign = CompiledParties(Parties(foreign=Terms(vi=["Nga"])), province)
    assert only_foreign.foreign_only(TextView("Nga tố Mỹ")) == ("Nga",)


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(load_config())


def test_foreign_only_item_gets_no_topic_even_with_a_strong_term(analyzer: Analyzer) -> None:
    # UNCLOS is a strong bien_dao term; the item is about Russia and the US only.
    foreign = analyzer.analyze(
        TextItem(title="Nga tố Mỹ vi phạm công ước UNCLOS khi bắt tàu dầu", text="")
    )
    assert foreign.topics == ()
    assert foreign.foreign_parties == ("Nga", "Mỹ")
    assert foreign.to_contract("x")["foreign_parties"] == ["Nga", "Mỹ"]
    ours = analyzer.analyze(
        TextItem(title="Việt Nam kiên trì bảo vệ chủ quyền theo UNCLOS", text="")
    )
    assert "bien_dao" in {t.id for t in ours.topics}
    assert ours.foreign_parties == () and ours.to_contract("y")["foreign_parties"] == []


def test_english_title_case_names_count(parties: CompiledParties) -> None:
    title = "US And China Agree To Pause Tariffs"
    assert _foreign(parties, title) == ()  # read as Vietnamese, every name runs into another
    view = TextView(normalize(title))
    assert parties.foreign_only(view, title_end=len(title), lang="en") == ("US", "China")
    vietnam = TextView(normalize("Vietnam And US Upgrade Ties"))
    assert parties.foreign_only(vietnam, lang="en") == ()


def test_a_digest_with_one_foreign_story_is_not_foreign(parties: CompiledParties) -> None:
    title = "Điểm tin 18h: Gỡ khó cho tiểu thương chuyển đổi số; Mỹ đình chỉ lưu hành vắc xin"
    view = TextView(normalize(title))
    assert parties.foreign_only(view, title_end=len(title)) == ()
    # The same words as a single story's summary do not make a digest.
    story = TextView(normalize("Mỹ đình chỉ vắc xin. Bộ Y tế Mỹ ra quyết định; hiệu lực ngay"))
    assert parties.foreign_only(story, title_end=len("Mỹ đình chỉ vắc xin")) == ("Mỹ",)
