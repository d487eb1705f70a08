"""Lexicon topic tagging (nlp.lexicon): strong terms, weak terms, hard-negative veto, evidence."""

from __future__ import annotations

import pytest

from config import load_config
from config.schema import Requires, Terms, Topic
from nlp.lexicon import Lexicon
from nlp.normalize import normalize
from nlp.phrases import TextView


def _tag(
    lexicon: Lexicon, text: str, lang: str = "vi", accent_free: bool = False
) -> dict[str, tuple[str, ...]]:
    hits = lexicon.tag(TextView(normalize(text)), lang=lang, accent_free=accent_free)
    return {topic: h.evidence for topic, h in hits.items() if h.assigned}


@pytest.fixture(scope="module")
def tiny() -> Lexicon:
    return Lexicon(
        [
            Topic(
                id="bien",
                name="Biển",
                plan="§1",
                strong=Terms(vi=["Hoàng Sa", "36-NQ/TW"], en=["Paracel"]),
                terms=Terms(vi=["ngư dân", "tàu cá", "Nga"], en=["fishermen", "boats"]),
                negatives=Terms(vi=["bão"], en=["storm"]),
            ),
            Topic(
                id="border",
                name="Biên giới",
                plan="§2",
                strong=Terms(vi=["cột mốc"]),
                subtags={"lao": Terms(vi=["nước Lào"]), "cam": Terms(vi=["Campuchia"])},
            ),
        ]
    )


def test_strong_term_assigns_alone(tiny: Lexicon) -> None:
    assert _tag(tiny, "Tàu lạ ở HOÀNG SA") == {"bien": ("Hoàng Sa",)}


def test_strong_terms_in_the_headline_are_marked(tiny: Lexicon) -> None:
    title, text = "Tàu lạ ở Hoàng Sa", "Cột mốc được dựng lại. Hoàng Sa."
    joined = f"{title}. {text}"
    hits = tiny.tag(TextView(joined), lang="vi", title_end=len(title))
    assert hits["bien"].strong_in_title == ("Hoàng Sa",)
    assert hits["border"].strong == ("cột mốc",) and hits["border"].strong_in_title == ()
    assert hits["bien"].terms_in_title == hits["border"].terms_in_title == ()
    # Without ``title_end`` nothing counts as headline.
    assert tiny.tag(TextView(joined), lang="vi")["bien"].strong_in_title == ()


def test_weak_terms_in_the_headline_are_marked(tiny: Lexicon) -> None:
    title, text = "Ngư dân ra khơi", "Tàu cá rời cảng."
    hits = tiny.tag(TextView(f"{title}. {text}"), lang="vi", title_end=len(title))
    assert hits["bien"].terms == ("ngư dân", "tàu cá")
    assert hits["bien"].terms_in_title == ("ngư dân",) and hits["bien"].strong_in_title == ()


def test_one_weak_term_is_not_enough_two_are(tiny: Lexicon) -> None:
    assert _tag(tiny, "Ngư dân ra khơi") == {}
    assert _tag(tiny, "Ngư dân đưa tàu cá ra khơi") == {"bien": ("ngư dân", "tàu cá")}


def test_negative_vetoes_weak_terms_but_not_a_strong_one(tiny: Lexicon) -> None:
    assert _tag(tiny, "Ngư dân đưa tàu cá vào bờ tránh bão") == {}
    assert "bien" in _tag(tiny, "Bão lớn ở Hoàng Sa, ngư dân vào bờ")


def test_diacritics_must_match_unless_the_text_has_none(tiny: Lexicon) -> None:
    # "báo" (newspaper) is not "bão" (storm): no veto here.
    assert "bien" in _tag(tiny, "Báo đưa tin ngư dân và tàu cá ra khơi")
    # "ngã" is not "Nga"
    assert _tag(tiny, "Ngư dân bị ngã") == {}
    assert _tag(tiny, "Ngu dan dua tau ca ra khoi", accent_free=True) == {
        "bien": ("ngư dân", "tàu cá")
    }
    assert _tag(tiny, "Ngu dan dua tau ca ra khoi") == {}


def test_punctuation_inside_codes_is_free(tiny: Lexicon) -> None:
    assert _tag(tiny, "Thực hiện Nghị quyết 36/NQ-TW") == {"bien": ("36-NQ/TW",)}


def test_terms_do_not_span_a_sentence_break(tiny: Lexicon) -> None:
    assert _tag(tiny, "Hoàng. Sa mạc") == {}


def test_language_selects_the_lexicon(tiny: Lexicon) -> None:
    assert _tag(tiny, "Ships near the Paracel islands", lang="en") == {"bien": ("Paracel",)}
    assert _tag(tiny, "Ships near the Paracel islands", lang="vi") == {}
    assert _tag(tiny, "fishermen and boats in a storm", lang="en") == {}


def test_subtags_are_evidence_not_assignment(tiny: Lexicon) -> None:
    assert _tag(tiny, "Cắm cột mốc biên giới với nước Lào") == {"border": ("cột mốc", "subtag:lao")}
    assert _tag(tiny, "Hợp tác với Campuchia") == {}


def test_scores_rise_with_evidence(tiny: Lexicon) -> None:
    def score(text: str) -> float:
        return tiny.tag(TextView(normalize(text)), lang="vi")["bien"].score

    assert (
        score("ngư dân") < score("ngư dân, tàu cá") < score("Hoàng Sa") < score("Hoàng Sa, ngư dân")
    )
    assert score("Hoàng Sa, ngư dân, tàu cá, 36-NQ/TW") <= 1.0


# --- the shipped topics.yaml against TOPICS.md ---------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Lexicon:
    return Lexicon(load_config().topics)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Tàu Trung Quốc xua đuổi ngư dân Việt Nam ở quần đảo Hoàng Sa", "bien_dao"),
        ("Quyết tâm gỡ thẻ vàng IUU trước đợt thanh tra của EC", "bien_dao"),
        ("Tăng cường quản lý cột mốc biên giới Việt Nam - Lào", "bien_gioi"),
        ("Ùn ứ xe chở nông sản tại cửa khẩu Tân Thanh", "bien_gioi"),
        ("Việt Nam tham gia phiên đối thoại của Hội đồng Nhân quyền Liên Hợp Quốc", "nhan_quyen"),
        (
            "Khởi tố đối tượng lợi dụng các quyền tự do dân chủ xâm phạm lợi ích Nhà nước",
            "nhan_quyen",
        ),
        ("Lâm Đồng thu hút thêm 3 dự án FDI vào khu công nghiệp Hàm Kiệm", "dau_tu"),
        ("Tỉnh công bố chỉ số PCI năm 2024 tăng 5 bậc", "dau_tu"),
        (
            "Người dân làm thủ tục qua ứng dụng VNeID, dịch vụ công trực tuyến tăng mạnh",
            "chuyen_doi_so",
        ),
        ("Lễ hội Katê của đồng bào Chăm thu hút đông du khách", "van_hoa_du_lich"),
        ("Mũi Né đón lượt khách du lịch kỷ lục dịp lễ", "van_hoa_du_lich"),
        ("Thanh long Bình Thuận được cấp mã số vùng trồng xuất khẩu", "san_pham"),
        ("Thủ tướng tiếp Đại sứ Nhật Bản, thúc đẩy hợp tác song phương", "hop_tac_quoc_te"),
        ("Triển khai Nghị quyết 57-NQ/TW về khoa học, công nghệ và đổi mới sáng tạo", "khcn"),
        ("Vietnam protests Chinese survey ship near the Spratly Islands", "bien_dao"),
    ],
)
def test_shipped_lexicon_assigns(shipped: Lexicon, text: str, topic: str) -> None:
    lang = "en" if text.startswith("Vietnam protests") else "vi"
    assert topic in _tag(shipped, text, lang=lang)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        # TOPICS.md hard negatives
        (
            "Áp thấp nhiệt đới trên biển Đông mạnh lên thành bão, ngư dân khẩn trương đưa tàu cá vào bờ",
            "bien_dao",
        ),
        ("Du khách đuổi ngư dân trên bãi biển, tắm biển bị đuối nước", "bien_dao"),
        ("Tàu cá cùng 8 ngư dân mất liên lạc ngoài khơi, biên phòng ứng cứu", "bien_dao"),
        ("Giao tranh ở biên giới Thái Lan - Campuchia khiến hàng nghìn người sơ tán", "bien_gioi"),
        ("Hành khách bị giữ lại ở cửa khẩu sân bay Tân Sơn Nhất", "bien_gioi"),
        ("Giá cổ phiếu nhà đầu tư khu công nghiệp tăng mạnh, VN-Index vượt 1.300 điểm", "dau_tu"),
        ("Trên tay iPhone 17: cấu hình mạnh, ứng dụng mượt", "chuyen_doi_so"),
        ("Cảnh báo lừa đảo trực tuyến chiếm đoạt tài sản qua ứng dụng giả", "chuyen_doi_so"),
        ("Xe khách chở khách du lịch lật trên đèo, nhiều người bị thương", "van_hoa_du_lich"),
        ("Hoa hậu và ca sĩ nổi tiếng dự tiệc tại khách sạn", "van_hoa_du_lich"),
        ("Giá xăng giảm, nhà hàng và quán ăn đông khách trở lại", "san_pham"),
        ("Bầu cử tổng thống Mỹ: ứng viên tranh luận về hợp tác quốc tế?", "nhan_quyen"),
        ("Người dân chăm lo gia đình, mỹ phẩm bán chạy", "hop_tac_quoc_te"),
    ],
)
def test_shipped_lexicon_hard_negatives(shipped: Lexicon, text: str, topic: str) -> None:
    assert topic not in _tag(shipped, text)


def test_shipped_border_subtags(shipped: Lexicon) -> None:
    evidence = _tag(shipped, "Phân giới cắm mốc trên tuyến biên giới Việt - Trung")["bien_gioi"]
    assert "subtag:trung_quoc" in evidence


def test_a_term_inside_a_longer_one_of_the_same_topic_counts_once(shipped: Lexicon) -> None:
    # "Bộ đội Biên phòng" is one weak term, not also "biên phòng"
    assert "bien_gioi" not in _tag(shipped, "Bộ đội Biên phòng giúp dân gặt lúa")
    # a street called Trường Sa is not the archipelago
    assert "bien_dao" not in _tag(shipped, "Cấm xe trên đường Trường Sa để sửa cống")
    assert "bien_dao" in _tag(shipped, "Khánh thành đường ra đảo, tăng cường chủ quyền ở Trường Sa")
    # "quảng trường Sa Đéc" is a square in Sa Đéc, not "Trường Sa"
    assert "bien_dao" not in _tag(shipped, "Hàng nghìn người xem khinh khí cầu ở quảng trường Sa Đéc")
    assert "bien_dao" in _tag(shipped, "Quảng trường Sa Đéc treo ảnh chiến sĩ Trường Sa")


def test_a_term_written_with_a_comma_spans_one(shipped: Lexicon) -> None:
    evidence = _tag(shipped, "Tuyên truyền về chủ quyền biển, đảo cho học sinh")["bien_dao"]
    assert evidence == ("chủ quyền biển, đảo",)
    # The ministry's name holds "thể thao", which is not the sport negative for culture.
    text = "Bộ Văn hóa, Thể thao và Du lịch xếp hạng di tích đình làng"
    assert "van_hoa_du_lich" in _tag(shipped, text)
    assert "van_hoa_du_lich" not in _tag(shipped, "Giải thể thao phong trào có đông người xem")


def test_a_college_name_is_not_external_relations(shipped: Lexicon) -> None:
    text = "Cao đẳng Kinh tế Đối ngoại thắng 8-1 ở giải bóng đá sinh viên"
    assert "hop_tac_quoc_te" not in _tag(shipped, text)


def test_required_terms_are_reported_and_do_not_hide_others() -> None:
    topic = Topic(
        id="hop_tac_quoc_te",
        name="Đối ngoại",
        plan="§II.3",
        terms=Terms(vi=["hợp tác quốc tế"]),
        requires=Requires(foreign_party=True, vi=["quốc tế"]),
    )
    hits = Lexicon([topic]).tag(TextView("Tăng cường hợp tác quốc tế về du lịch"), lang="vi")
    lex = hits["hop_tac_quoc_te"]
    # The required "quốc tế" inside the weak term counts, and the weak term still fires.
    assert lex.required == ("quốc tế",)
    assert lex.terms == ("hợp tác quốc tế",)
