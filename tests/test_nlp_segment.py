"""nlp.segment gives exactly underthesea's words, faster (see the module's docstring)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from underthesea import word_tokenize as underthesea_word_tokenize

from nlp import segment

DATA = Path(__file__).resolve().parent.parent / "nlp" / "data"

# Texts where tokenization is delicate: numbers, dates, URLs, e-mail, abbreviations,
# decomposed (NFD) and old-style tone marks, punctuation runs, mixed scripts.
TRICKY = [
    "Ngày 04/04/2024, lúc 07:30 (GMT+7), UBND tỉnh Bình Thuận họp về dự án 1.250 tỷ đồng.",
    "Liên hệ: vanphong@binhthuan.gov.vn hoặc https://binhthuan.gov.vn/tin-tuc?id=12&utm_source=x",
    "TP.HCM, Q.1 - giá xăng RON-95 tăng 3,5%!!! Thật sao???",
    "Hoà bình, thuỷ lợi, khoẻ mạnh — oà khóc",  # old-style tone placement
    "Phan Thie\u0302\u0301t và Mu\u0303i Ne\u0301",  # decomposed (NFD)
    "COVID-19 và AI/ML: Việt Nam – Hoa Kỳ ký MOU về bán dẫn (semiconductor).",
    "   ",
    "",
    "Ông Nguyễn Văn A. Bà Trần Thị B... 「引用」 và Ελλάδα",
    # underthesea's "Th.S" has an unescaped dot: "Thesis" is "Thes" + "is" there too.
    "ThS. Lê Văn C, Th.S Hoa, Thesis Thasa Th Thiết và H'Mông, N’Thôn Hạ, v.v. H&M",
    "Xe 43H-0530, NĐ-CP, e-mail, 3x4, 4K, 1.600m-2.000m, 02-03-2014, :D và :)) <3",
    "Tin\u00a0nóng\u2003Mũi\u2009Né\x1cPhú\u200bQuý\tLa Gi\nHàm Tân",
    "Xem x.com/a(b) hoặc foo@gmail.com, T.Ư, Mr. Smith, ==> -> >> °C ... --",
]

# Characters that start or end underthesea's special tokens, for random strings.
_ALPHABET = "aThSsv.,:-_/@&'’()<>=%°3xDĐđếƯ \u00a0\n"


def _texts() -> list[str]:
    texts = list(TRICKY)
    for name in ("topics_train.jsonl", "risk_train.jsonl"):
        with (DATA / name).open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                texts.append(f"{record.get('title') or ''}. {record.get('text') or ''}")
    return texts


def test_the_fast_path_is_in_use() -> None:
    assert segment._segmenter() is not None


@pytest.mark.parametrize("chunk", range(4))
def test_same_words_as_underthesea(chunk: int) -> None:
    texts = _texts()[chunk::4]
    assert len(texts) > 300
    for text in texts:
        expected = underthesea_word_tokenize(text) if text.strip() else []
        assert segment.word_tokenize(text) == expected, text


def test_chunked_tokens_equal_the_pattern_on_random_strings() -> None:
    segmenter = segment._segmenter()
    assert segmenter is not None
    rng = random.Random(2026)
    for _ in range(3000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 40)))
        expected = [m.group() for m in segmenter.pattern.finditer(text)]
        assert segment._tokens(segmenter.pattern, text) == expected, repr(text)


def test_segmented_text_matches_underthesea_text_format() -> None:
    for text in TRICKY + ["Bác sĩ bây giờ có thể thản nhiên báo tin bệnh nhân bị ung thư"]:
        if text.strip():
            assert segment.segment_normalized(text) == underthesea_word_tokenize(
                text, format="text"
            )


def test_falls_back_to_underthesea_when_its_internals_move(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(segment, "_segmenter", lambda: None)
    assert segment.word_tokenize("Ngư dân Phan Thiết ra khơi") == [
        "Ngư dân",
        "Phan Thiết",
        "ra",
        "khơi",
    ]
