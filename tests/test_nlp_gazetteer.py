"""Province relevance (nlp.gazetteer) against TOPICS.md, including its hard negatives."""

from __future__ import annotations

import pytest

from config import load_config
from config.schema import Gazetteer as GazetteerConfig
from config.schema import Place as PlaceConfig
from config.schema import PlaceKind, ProvinceInfo
from nlp.gazetteer import Gazetteer
from nlp.normalize import normalize
from nlp.phrases import TextView
from nlp.records import ProvinceMatch


@pytest.fixture(scope="module")
def shipped() -> Gazetteer:
    return Gazetteer(load_config().province)


def _match(gazetteer: Gazetteer, title: str, text: str = "") -> ProvinceMatch:
    title, text = normalize(title), normalize(text)
    return gazetteer.match(TextView(f"{title}. {text}" if text else title), title_end=len(title))


@pytest.mark.parametrize(
    ("title", "text", "places"),
    [
        ("Ngư dân Phan Thiết bám biển", "", {"Phan Thiết"}),
        ("Phan Thiet fishermen head out", "Boats left Mui Ne at dawn.", {"Phan Thiết", "Mũi Né"}),
        ("PHAN THIẾT ĐÓN KHÁCH", "", {"Phan Thiết"}),
        ("Thanh long Bình Thuận vào vụ", "", {"thanh long Bình Thuận"}),
        ("Sạt lở ở Lâm Đồng (trước thuộc tỉnh Bình Thuận)", "", {"Bình Thuận"}),
        ("Hải đăng Kê Gà mở cửa đón khách", "", {"Kê Gà"}),
        ("Khởi công dự án ở phường Tiến Thành, tỉnh Lâm Đồng", "", {"Tiến Thành"}),
        ("Trại giam đóng ở xã Tân Minh, tỉnh Lâm Đồng", "", {"Tân Minh"}),
        ("Quốc hội giám sát tại Trung tâm Điện lực Vĩnh Tân", "", {"Vĩnh Tân"}),
        ("Tàu ra đảo Phú Quý tạm dừng", "", {"Phú Quý"}),
        ("Nguoi dan La Gi don Tet", "", {"La Gi"}),
        ("Ga Mương Mán đón tàu", "", {"Mương Mán"}),
        ("Muong Man station reopens", "", {"Mương Mán"}),
        ("Hồ Sông Quao tăng xả lũ", "", {"hồ Sông Quao"}),
        ("Thông xe cao tốc Vĩnh Hảo - Phan Thiết", "", {"Cao tốc Vĩnh Hảo - Phan Thiết"}),
        ("Lũ vào thị trấn Liên Hương", "", {"Liên Hương"}),
        # Lâm Đồng's sea and its stretch of Route 1 are the former Bình Thuận's alone.
        ("Tàu giã cào vẫn hoạt động ở biển Lâm Đồng", "", {"biển Lâm Đồng"}),
        ("Lâm Đồng chọn bãi ô nhiễm Bình Tú tiếp nhận rác", "", {"bãi rác Bình Tú"}),
        ("Cát đỏ tràn lấp quốc lộ 1 qua Lâm Đồng", "", {"biển Lâm Đồng"}),
        ("Xe tải lật", "Tai nạn trên quốc lộ 1, đoạn qua tỉnh Lâm Đồng.", {"biển Lâm Đồng"}),
    ],
)
def test_relevant(shipped: Gazetteer, title: str, text: str, places: set[str]) -> None:
    result = _match(shipped, title, text)
    assert result.relevant, result.reason
    assert {p.name for p in result.places} == places


def test_place_offsets_point_at_the_text(shipped: Gazetteer) -> None:
    text = normalize("Bão vào Mũi Né và Phan Thiet")
    result = shipped.match(TextView(text))
    for place in result.places:
        assert text[place.start : place.end] == place.matched


@pytest.mark.parametrize(
    ("title", "text", "reason"),
    [
        ("Kết quả xổ số Bình Thuận hôm nay", "XSBTh: giải đặc biệt 123456", "negative context"),
        ("KQXS miền Nam thứ Năm", "Các đài Tây Ninh, An Giang, Bình Thuận mở thưởng.", "lottery"),
        (
            "Cháy nhà ở phường Bình Thuận, quận 7",
            "Vụ cháy tại phường Bình Thuận (Quận 7, TP.HCM).",
            "negative context",
        ),
        ("Ngập sâu ở phường Bình Thuận, quận Hải Châu", "", "negative context"),
        ("Ô tô lật trên dốc cầu Bình Thuận", "", "negative context"),
        (
            "Giá xăng giảm từ chiều nay",
            "Cây xăng ở Hà Nội, TP.HCM, Đà Nẵng, Cần Thơ, Hải Phòng, Bình Thuận, Khánh Hòa, Nghệ An đông khách.",
            "listed among",
        ),
        (
            "Đà Lạt đón một triệu lượt khách",
            "Lâm Đồng đẩy mạnh du lịch Đà Lạt và Đắk Nông.",
            "no place",
        ),
        ("Tân Minh là tên xã ở nhiều tỉnh", "", "ambiguous"),
        ("Thanh long là gì?", "La gi là gì, Phú quý là gì?", "no place"),
        ("Anh Nguyễn Đức Linh đoạt giải nhất", "", "no place"),
        ("Xe khách lật ở Đồng Nai", "", "no place"),
        # A name written with other diacritics is another name: the writer, not the commune.
        ("Nhà văn Mường Mán qua đời", "", "no place"),
        ("Áo dài Ngũ Liên Hương được trao kỷ lục", "", "ambiguous"),
        ("Xã vùng cao Trà Tân, Trà Leng (TP.Đà Nẵng) tái thiết sau lũ", "", "ambiguous"),
        ("Cháy xe tải trên cao tốc Cam Lâm – Vĩnh Hảo", "", "negative context"),
        ("Sạt lở đèo Đại Ninh", "Quốc lộ 28B nối Phan Thiết - Đà Lạt bị chia cắt.", "negative context"),
        (
            "Đề phòng mưa lớn",
            "Vùng biển Lâm Đồng đến TP.HCM có mưa dông, gió giật mạnh.",
            "negative context",
        ),
    ],
)
def test_not_relevant(shipped: Gazetteer, title: str, text: str, reason: str) -> None:
    result = _match(shipped, title, text)
    assert not result.relevant, result.places
    assert reason in result.reason
    assert result.places == ()


def test_a_list_that_names_us_in_the_title_still_counts(shipped: Gazetteer) -> None:
    result = _match(
        shipped,
        "Bình Thuận dẫn đầu tăng trưởng",
        "Sau Bình Thuận là Hà Nội, TP.HCM, Đà Nẵng, Cần Thơ, Hải Phòng, Khánh Hòa, Nghệ An.",
    )
    assert result.relevant


def test_a_story_beside_a_list_still_counts(shipped: Gazetteer) -> None:
    result = _match(
        shipped,
        "Giá xăng giảm",
        "Hà Nội, TP.HCM, Đà Nẵng, Cần Thơ, Hải Phòng, Khánh Hòa, Nghệ An giảm giá.\n"
        + "Riêng tại Phan Thiết, nhiều ngư dân vui mừng vì chi phí ra khơi giảm đáng kể so với tháng trước, "
        + "các chủ tàu cho biết sẽ tăng số chuyến trong mùa cá năm nay.",
    )
    assert result.relevant


def _tiny(**overrides: object) -> Gazetteer:
    values: dict[str, object] = {
        "province": ProvinceInfo(id="x", name="Xanh", current_province="Lam Tinh"),
        "places": [
            PlaceConfig(name="Bến Xanh", kind=PlaceKind.TOWN),
            PlaceConfig(
                name="Hòa An",
                kind=PlaceKind.COMMUNE,
                ambiguous=True,
                unambiguous_aliases=["xã Hòa An"],
            ),
        ],
        "negative_contexts": ["chợ Bến Xanh, quận 3"],
        "other_provinces": ["Một", "Hai", "Ba"],
        "list_mention_min": 3,
    }
    values.update(overrides)
    return Gazetteer(GazetteerConfig.model_validate(values))


def test_ambiguous_name_needs_company() -> None:
    gaz = _tiny()
    assert not _match(gaz, "Hòa An mở hội").relevant
    assert _match(gaz, "Hòa An mở hội", "Người dân Bến Xanh tham dự.").relevant
    assert _match(gaz, "Hòa An mở hội", "Tỉnh Lam Tinh tổ chức.").relevant
    assert _match(gaz, "Người dân xã Hòa An mở hội").relevant


def test_negative_context_allows_punctuation_between_its_words() -> None:
    gaz = _tiny()
    assert not _match(gaz, "Cháy chợ Bến Xanh (Quận 3)").relevant
    assert _match(gaz, "Cháy chợ ở Bến Xanh").relevant


def test_list_rule_uses_the_configured_minimum() -> None:
    text = "Mưa lớn ở Một, Hai, Ba và Bến Xanh."
    assert not _match(_tiny(), "Thời tiết", text).relevant
    assert _match(_tiny(list_mention_min=4), "Thời tiết", text).relevant
