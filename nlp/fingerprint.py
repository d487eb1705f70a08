"""Near-duplicate fingerprints: MinHash over word shingles, and their LSH band keys.

Pure functions of text (no storage). A syndicated wire story reprinted by three
outlets, each trimming a sentence or changing a headline word, keeps most of its
5-word shingles; MinHash estimates the Jaccard similarity of those shingle sets
from 128 numbers, and LSH bands turn "similar above a threshold" into "shares a
band key", which a database index can answer.

The fingerprint is a plain ``tuple[int, ...]`` (``Analysis.fingerprint``), so it
crosses process boundaries as JSON and is stored as 4 bytes per value. The analyser
computes it from the lower-cased words it has already split (``fingerprint_words``);
``fingerprint(text)`` gives the same values from the text alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from datasketch import MinHash, MinHashLSH

from nlp.normalize import lower_same_length, normalize

__all__ = [
    "NUM_PERM",
    "SHINGLE_WORDS",
    "THRESHOLD",
    "band_keys",
    "MIN_SHINGLES",
    "fingerprint",
    "fingerprint_words",
    "from_bytes",
    "lsh_params",
    "shingles",
    "similarity",
    "to_bytes",
    "words_of",
]

NUM_PERM = 128
SHINGLE_WORDS = 5
# Estimated Jaccard similarity of 5-shingle sets from which two texts count as the
# same story. Light edits (a changed lead, a dropped paragraph) stay well above it;
# two different stories on the same topic share few 5-word runs and stay far below.
THRESHOLD = 0.6
# Below this many shingles (a one-line brief, a photo caption) near-duplicate matching
# mostly matches boilerplate; such texts get no fingerprint and are clustered by
# exact content hash only.
MIN_SHINGLES = 10
# Fixed seed: fingerprints stored yesterday must be comparable with today's.
_SEED = 1
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Runs of ``size`` consecutive words of the normalised, lower-cased text.

    >>> sorted(shingles("Ngư dân Phan Thiết ra khơi", size=5))
    ['dân phan thiết ra khơi', 'ngư dân phan thiết ra']
    """
    return _shingles(words_of(text), size)


def words_of(text: str) -> list[str]:
    """The words shingles are made of: ``\\w+`` runs of the normalised, lower-cased text."""
    return _WORD.findall(lower_same_length(normalize(text)))


def _shingles(words: Sequence[str], size: int = SHINGLE_WORDS) -> set[str]:
    if not words:
        return set()
    if len(words) < size:
        return {" ".join(words)}
    return set(map(" ".join, zip(*(words[i:] for i in range(size)), strict=False)))


def fingerprint(text: str, *, min_shingles: int = 1) -> tuple[int, ...]:
    """MinHash signature (``NUM_PERM`` values) of the text; ``()`` when the text has
    fewer than ``min_shingles`` shingles (no words, or too short to compare).

    >>> len(fingerprint("Bình Thuận đón khách du lịch quốc tế dịp cuối năm"))
    128
    """
    return fingerprint_words(words_of(text), min_shingles=min_shingles)


def fingerprint_words(words: Sequence[str], *, min_shingles: int = 1) -> tuple[int, ...]:
    """``fingerprint`` of a text whose ``words_of`` are ``words``."""
    grams = _shingles(words)
    if not grams or len(grams) < min_shingles:
        return ()
    template = _template()
    minhash = MinHash(
        num_perm=NUM_PERM,
        seed=_SEED,
        permutations=template.permutations,
        scheme=template.scheme,
        hashfunc=int,
    )
    minhash.update_batch(_sha1_32(grams))
    return tuple(minhash.hashvalues.tolist())


def _sha1_32(grams: set[str]) -> list[int]:
    """datasketch's default ``sha1_hash32`` of each shingle, computed in one pass.

    The same values (the first 4 bytes of SHA-1, little-endian) without a Python call
    and a ``struct.unpack`` per shingle; stored fingerprints stay comparable.
    """
    sha1 = hashlib.sha1
    raw = b"".join([sha1(g.encode("utf-8")).digest()[:4] for g in grams])
    return np.frombuffer(raw, dtype="<u4").tolist()


@lru_cache(maxsize=1)
def _template() -> MinHash:
    """Seeded permutations, made once per process instead of once per article."""
    return MinHash(num_perm=NUM_PERM, seed=_SEED)


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of two fingerprints (share of equal values)."""
    if not a or len(a) != len(b):
        return 0.0
    return float(np.count_nonzero(np.asarray(a) == np.asarray(b))) / len(a)


@lru_cache(maxsize=8)
def lsh_params(threshold: float = THRESHOLD, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows per band) that datasketch picks for this threshold (18 x 7 for 0.6)."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def band_keys(fp: tuple[int, ...], threshold: float = THRESHOLD) -> list[int]:
    """One signed 64-bit key per LSH band: two fingerprints sharing any key are candidates."""
    if not fp:
        return []
    bands, rows = lsh_params(threshold, len(fp))
    values = np.asarray(fp, dtype="<u4")
    keys = []
    for band in range(bands):
        chunk = values[band * rows : (band + 1) * rows].tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def to_bytes(fp: tuple[int, ...]) -> bytes:
    return np.asarray(fp, dtype="<u4").tobytes()


def from_bytes(raw: bytes) -> tuple[int, ...]:
    return tuple(int(v) for v in np.frombuffer(raw, dtype="<u4"))
