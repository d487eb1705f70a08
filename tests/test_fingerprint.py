"""MinHash fingerprints: copies and light edits are close, different stories are not."""

from __future__ import annotations

import unicodedata

from nlp.fingerprint import (
    NUM_PERM,
    THRESHOLD,
    band_keys,
    fingerprint,
    from_bytes,
    lsh_params,
    shingles,
    similarity,
    to_bytes,
)
from tests.story_texts import EDITED, ORIGINAL, UNRELATED


def test_shingles_are_normalised_word_runs() -> None:
    assert shingles("Ngư dân  PHAN THIẾT, ra khơi!") == {
        "ngư dân phan thiết ra",
        "dân phan thiết ra khơi",
    }
    # Decomposed Unicode and the other tone-mark style give the same shingles.
    nfd = unicodedata.normalize("NFD", "Hoà bình cho ngư dân Phan Thiết ra khơi")
    assert shingles(nfd) == shingles("Hòa bình cho ngư dân Phan Thiết ra khơi")
    assert shingles("") == set()
    assert shingles("Ba từ thôi") == {"ba từ thôi"}


def test_fingerprint_shape_and_stability() -> None:
    fp = fingerprint(ORIGINAL)
    assert len(fp) == NUM_PERM
    assert fp == fingerprint(ORIGINAL)
    assert from_bytes(to_bytes(fp)) == fp
    assert fingerprint("  ") == ()
    # Too short to compare: no fingerprint rather than a noisy one.
    assert fingerprint("Giá thanh long hôm nay tăng nhẹ", min_shingles=10) == ()
    assert len(fingerprint("Giá thanh long hôm nay tăng nhẹ", min_shingles=3)) == NUM_PERM


def test_light_edits_stay_above_threshold() -> None:
    base = fingerprint(ORIGINAL)
    for edited in EDITED:
        assert similarity(base, fingerprint(edited)) >= THRESHOLD


def test_unrelated_story_far_below_threshold() -> None:
    assert similarity(fingerprint(ORIGINAL), fingerprint(UNRELATED)) < 0.2


def test_band_keys_shared_by_copies_not_by_others() -> None:
    bands, rows = lsh_params()
    assert bands * rows <= NUM_PERM
    keys = band_keys(fingerprint(ORIGINAL))
    assert len(keys) == bands
    assert all(-(2**63) <= k < 2**63 for k in keys)
    assert set(keys) & set(band_keys(fingerprint(EDITED[0])))
    assert not set(keys) & set(band_keys(fingerprint(UNRELATED)))
    assert band_keys(()) == []


def test_values_are_datasketch_defaults() -> None:
    # Fingerprints stored before the hashing was batched must stay comparable.
    from datasketch import MinHash

    reference = MinHash(num_perm=NUM_PERM, seed=1)
    reference.update_batch([s.encode("utf-8") for s in shingles(ORIGINAL)])
    assert fingerprint(ORIGINAL) == tuple(int(v) for v in reference.hashvalues)


def test_the_analysis_carries_the_same_fingerprint() -> None:
    # The analyser fingerprints the words it has already split; clustering uses that.
    from config import load_config
    from nlp import Analyzer
    from nlp.fingerprint import MIN_SHINGLES
    from nlp.records import TextItem

    analyzer = Analyzer(load_config())
    for title, text in [
        ("Tin nhanh: ngư dân Phan Thiết", ORIGINAL),
        ("", EDITED[0]),
        ("Fishermen of Phan Thiet", UNRELATED),
        ("Chỉ có tiêu đề", ""),
        ("Tin ngắn", "Giá thanh long hôm nay tăng nhẹ"),
    ]:
        analysis = analyzer.analyze(TextItem(title=title, text=text))
        assert analysis.fingerprint == fingerprint(text, min_shingles=MIN_SHINGLES), title
