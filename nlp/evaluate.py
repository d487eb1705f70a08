"""Measuring the tagger: labelled items in, per-topic and province figures out.

Labelled items are JSON lines ``{"id", "title", "text", "topics": [...], "province": bool}``.
A development set may store only ``id``/``url`` and labels (its text belongs to someone
else); ``join_headlines`` fills the text in from the shared headlines file at evaluation
time. ``keyword_baseline`` is the plain keyword-regex tagger every model must beat.

>>> report = evaluate_predictions(
...     [LabelledItem(id="1", title="Ngư dân Hoàng Sa", text="", topics=frozenset({"bien_dao"}), province=None)],
...     [Prediction(topics=frozenset({"bien_dao"}), province=False)],
...     topics=("bien_dao",),
... )
>>> report.micro.f1
1.0
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp.topic_model import TOPIC_IDS

logger = logging.getLogger(__name__)


class LabelledDataError(ValueError):
    """A labelled file is malformed; the message names the file and the line."""


@dataclass(frozen=True, kw_only=True)
class LabelledItem:
    id: str
    title: str
    text: str
    # None: the item is labelled for province relevance only (no "topics" field).
    topics: frozenset[str] | None
    province: bool | None
    url: str | None = None

    @property
    def has_text(self) -> bool:
        return bool(self.title.strip() or self.text.strip())


@dataclass(frozen=True, kw_only=True)
class Prediction:
    topics: frozenset[str]
    province: bool | None
    # What made each assigned topic fire (lexicon terms, "model:" features), when known.
    evidence: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Why an item carries no topic at all: the foreign parties it names, when it names no
    # Vietnamese one (nlp.parties).
    foreign_parties: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @classmethod
    def from_counts(cls, tp: int, fp: int, fn: int) -> Scores:
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision=precision, recall=recall, f1=f1, support=tp + fn, tp=tp, fp=fp, fn=fn)

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "support": self.support,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass(frozen=True, kw_only=True)
class Report:
    items: int
    topic_items: int  # items labelled for topics (the rest carry province labels only)
    per_topic: dict[str, Scores]
    micro: Scores
    macro_f1: float
    macro_precision: float
    macro_recall: float
    province: Scores | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "topic_items": self.topic_items,
            "per_topic": {t: s.to_dict() for t, s in self.per_topic.items()},
            "micro": self.micro.to_dict(),
            "macro": {
                "precision": round(self.macro_precision, 4),
                "recall": round(self.macro_recall, 4),
                "f1": round(self.macro_f1, 4),
            },
            "province": None if self.province is None else self.province.to_dict(),
        }

    def table(self) -> str:
        """A plain-text table for the terminal."""
        lines = [f"{'topic':<18}{'precision':>10}{'recall':>10}{'f1':>8}{'support':>9}"]
        if self.topic_items:
            for topic, s in self.per_topic.items():
                lines.append(
                    f"{topic:<18}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>8.3f}{s.support:>9d}"
                )
            lines.append(
                f"{'micro':<18}{self.micro.precision:>10.3f}{self.micro.recall:>10.3f}{self.micro.f1:>8.3f}{self.micro.support:>9d}"
            )
            lines.append(
                f"{'macro':<18}{self.macro_precision:>10.3f}{self.macro_recall:>10.3f}{self.macro_f1:>8.3f}"
            )
        else:
            lines.append("(no item is labelled for topics: province relevance only)")
        if self.province is not None:
            p = self.province
            lines.append(
                f"{'province':<18}{p.precision:>10.3f}{p.recall:>10.3f}{p.f1:>8.3f}{p.support:>9d}"
            )
        lines.append(f"items: {self.items}")
        return "\n".join(lines)


def _parse_record(raw: Any, where: str, known: Sequence[str]) -> LabelledItem:
    if not isinstance(raw, dict):
        raise LabelledDataError(f"{where}: expected a JSON object")
    topics = raw.get("topics")
    province = raw.get("province")
    if province is not None and not isinstance(province, bool):
        raise LabelledDataError(f"{where}: 'province' must be true or false")
    # No "topics" (or null) beside a province label: a province-only label.
    if topics is not None or province is None:
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
            raise LabelledDataError(f"{where}: 'topics' must be a list of topic ids")
        unknown = sorted(set(topics) - set(known))
        if unknown:
            raise LabelledDataError(
                f"{where}: unknown topic id(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
    title, text = raw.get("title", ""), raw.get("text", "")
    if not isinstance(title, str) or not isinstance(text, str):
        raise LabelledDataError(f"{where}: 'title' and 'text' must be strings")
    item_id = raw.get("id")
    url = raw.get("url")
    if not title.strip() and not text.strip() and not item_id and not url:
        raise LabelledDataError(
            f"{where}: needs 'title'/'text', or an 'id'/'url' to join with the headlines file"
        )
    return LabelledItem(
        id=str(item_id or url or where),
        title=title,
        text=text,
        topics=None if topics is None else frozenset(topics),
        province=province,
        url=url if isinstance(url, str) else None,
    )


def read_labelled(path: Path, topics: Sequence[str] = TOPIC_IDS) -> list[LabelledItem]:
    """Read one labelled JSON-lines file; a bad line raises ``LabelledDataError`` naming it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise LabelledDataError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise LabelledDataError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelledDataError(f"{where}: not valid JSON ({exc.msg})") from exc
        items.append(_parse_record(raw, where, topics))
    if not items:
        raise LabelledDataError(f"{path}: no labelled records")
    return items


def read_training_records(
    paths: Iterable[Path], topics: Sequence[str] = TOPIC_IDS, headlines: Path | None = None
) -> list[dict[str, Any]]:
    """Labelled records for training: each must carry its own title or text, or be an id/url
    found in ``headlines`` (a file of the shared headlines' format) when one is given."""
    sources = [(path, item) for path in paths for item in read_labelled(path, topics)]
    items = [item for _, item in sources]
    if headlines is not None:
        items = join_headlines(items, headlines)  # one pass over the file for every --data
    records: list[dict[str, Any]] = []
    for (path, _), item in zip(sources, items, strict=True):
        if not item.has_text:
            raise LabelledDataError(
                f"{path}: record {item.id!r} has no title or text; training needs the text "
                "itself (for id-only labels, name the file holding it with --headlines)"
            )
        if item.topics is None:
            raise LabelledDataError(
                f"{path}: record {item.id!r} has no 'topics'; training needs them"
            )
        records.append(
            {
                "id": item.id,
                "title": item.title,
                "text": item.text,
                "topics": sorted(item.topics),
            }
        )
    return records


def _iter_headlines(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def join_headlines(items: Sequence[LabelledItem], headlines: Path) -> list[LabelledItem]:
    """Fill in title and text of items that carry only an id/url, from the headlines file.

    Raises ``LabelledDataError`` when an item cannot be found there.
    """
    missing = [i for i in items if not i.has_text]
    if not missing:
        return list(items)
    by_id: dict[str, tuple[str, str]] = {}
    by_url: dict[str, tuple[str, str]] = {}
    wanted_ids = {i.id for i in missing}
    wanted_urls = {i.url for i in missing if i.url}
    for record in _iter_headlines(headlines):
        pair = (str(record.get("title") or ""), str(record.get("text") or ""))
        if record.get("id") in wanted_ids:
            by_id[str(record["id"])] = pair
        if record.get("url") in wanted_urls:
            by_url[str(record["url"])] = pair
    joined = []
    for item in items:
        if item.has_text:
            joined.append(item)
            continue
        found = by_id.get(item.id) or (by_url.get(item.url) if item.url else None)
        if found is None:
            raise LabelledDataError(f"item {item.id!r} ({item.url}) is not in {headlines}")
        joined.append(
            LabelledItem(
                id=item.id,
                title=found[0],
                text=found[1],
                topics=item.topics,
                province=item.province,
                url=item.url,
            )
        )
    return joined


def evaluate_predictions(
    items: Sequence[LabelledItem],
    predictions: Sequence[Prediction],
    topics: Sequence[str] = TOPIC_IDS,
) -> Report:
    """Per-topic, micro and macro scores; province scores over items labelled for it."""
    if len(items) != len(predictions):
        raise ValueError("one prediction per item")
    per_topic = {}
    total_tp = total_fp = total_fn = 0
    # Province-only labels (topics None) take no part in the topic figures.
    pairs = [
        (i.topics, p.topics)
        for i, p in zip(items, predictions, strict=True)
        if i.topics is not None
    ]
    for topic in topics:
        tp = sum(1 for gold, pred in pairs if topic in gold and topic in pred)
        fp = sum(1 for gold, pred in pairs if topic not in gold and topic in pred)
        fn = sum(1 for gold, pred in pairs if topic in gold and topic not in pred)
        per_topic[topic] = Scores.from_counts(tp, fp, fn)
        total_tp, total_fp, total_fn = total_tp + tp, total_fp + fp, total_fn + fn
    scored = [s for s in per_topic.values() if s.support > 0] or list(per_topic.values())
    province_pairs = [
        (i.province, p.province)
        for i, p in zip(items, predictions, strict=True)
        if i.province is not None and p.province is not None
    ]
    province = None
    if province_pairs:
        province = Scores.from_counts(
            sum(1 for gold, pred in province_pairs if gold and pred),
            sum(1 for gold, pred in province_pairs if not gold and pred),
            sum(1 for gold, pred in province_pairs if gold and not pred),
        )
    return Report(
        items=len(items),
        topic_items=len(pairs),
        per_topic=per_topic,
        micro=Scores.from_counts(total_tp, total_fp, total_fn),
        macro_f1=sum(s.f1 for s in scored) / len(scored),
        macro_precision=sum(s.precision for s in scored) / len(scored),
        macro_recall=sum(s.recall for s in scored) / len(scored),
        province=province,
    )


def predict_all(
    items: Sequence[LabelledItem],
    tagger: Callable[[LabelledItem], Prediction],
    progress: Callable[[int], None] | None = None,
) -> list[Prediction]:
    """``tagger`` over every item, in order."""
    predictions = []
    for n, item in enumerate(items, 1):
        predictions.append(tagger(item))
        if progress is not None:
            progress(n)
    return predictions


def evaluate(
    items: Sequence[LabelledItem],
    tagger: Callable[[LabelledItem], Prediction],
    topics: Sequence[str] = TOPIC_IDS,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Run ``tagger`` over every item and score it."""
    return evaluate_predictions(items, predict_all(items, tagger, progress), topics)


def label_agreement(
    reference: Sequence[LabelledItem],
    other: Sequence[LabelledItem],
    topics: Sequence[str] = TOPIC_IDS,
) -> Report:
    """How far a second reading of the same items agrees with the first (matched by id).

    The first reading is scored as the truth, so the micro-F1 is the ceiling a tagger can be
    expected to reach against it. Raises ``LabelledDataError`` when the ids differ.
    """
    by_id = {item.id: item for item in other}
    missing = [item.id for item in reference if item.id not in by_id]
    if missing or len(by_id) != len(reference):
        raise LabelledDataError(
            f"the two readings label different items ({len(missing)} of {len(reference)} "
            f"missing from the second, e.g. {missing[:3]})"
        )
    predictions = [
        Prediction(topics=by_id[item.id].topics or frozenset(), province=by_id[item.id].province)
        for item in reference
    ]
    return evaluate_predictions(reference, predictions, topics)


def disagreements(
    items: Sequence[LabelledItem], predictions: Sequence[Prediction]
) -> Iterator[dict[str, Any]]:
    """One record per item where the tagger and the labels differ, for a person to review.

    Each record is itself a labelled record (``id``, ``title``, ``text``, ``topics``,
    ``province`` as labelled), so a reviewed file can go back to ``haidang train topics``;
    ``missed``, ``extra``, ``predicted_province``, ``evidence`` and ``foreign_parties`` say
    what the tagger did.
    Province is compared only where the label gives it.

    >>> item = LabelledItem(id="1", title="Ngư dân bám biển", text="", topics=frozenset({"bien_dao"}), province=None)
    >>> [r["missed"] for r in disagreements([item], [Prediction(topics=frozenset(), province=False)])]
    [['bien_dao']]
    """
    for item, prediction in zip(items, predictions, strict=True):
        gold = item.topics
        missed = [] if gold is None else sorted(gold - prediction.topics)
        extra = [] if gold is None else sorted(prediction.topics - gold)
        province_differs = item.province is not None and item.province != prediction.province
        if not (missed or extra or province_differs):
            continue
        yield {
            "id": item.id,
            "url": item.url,
            "title": item.title,
            "text": item.text,
            "topics": None if gold is None else sorted(gold),
            "province": item.province,
            "missed": missed,
            "extra": extra,
            "predicted_province": prediction.province,
            "evidence": {t: list(prediction.evidence.get(t, ())) for t in extra},
            "foreign_parties": list(prediction.foreign_parties),
        }


# The baseline a reader would write in ten minutes: one case-insensitive regex per topic.
BASELINE_PATTERNS: dict[str, str] = {
    "bien_dao": r"biển đông|hoàng sa|trường sa|ngư dân|cảnh sát biển|hải quân|kiểm ngư|\biuu\b|thẻ vàng|unclos|thềm lục địa|chủ quyền biển|east sea|south china sea|paracel|spratly",
    "bien_gioi": r"biên giới|cửa khẩu|cột mốc|mốc quốc giới|biên phòng|buôn lậu|xuất cảnh trái phép|nhập cảnh trái phép|vượt biên|border",
    "nhan_quyen": r"nhân quyền|quyền con người|tôn giáo|tín ngưỡng|mua bán người|chống nhà nước|xuyên tạc|tự do báo chí|human rights|religio|trafficking",
    "dau_tu": r"đầu tư|\bfdi\b|khu công nghiệp|khu kinh tế|\bpci\b|\bpapi\b|par index|sipas|thủ tục hành chính|môi trường kinh doanh|investment|investor",
    "chuyen_doi_so": r"chuyển đổi số|vneid|định danh điện tử|dịch vụ công trực tuyến|cơ sở dữ liệu|kinh tế số|chính phủ số|không dùng tiền mặt|trí tuệ nhân tạo|\bai\b|digital",
    "van_hoa_du_lich": r"du lịch|du khách|di tích|di sản|lễ hội|bảo tàng|văn hóa|touris|heritage|festival",
    "san_pham": r"ocop|thanh long|nước mắm|cà phê|sầu riêng|lúa gạo|\bgạo\b|chỉ dẫn địa lý|nông sản|hồ tiêu|hạt điều|dragon fruit|fish sauce|durian|coffee",
    "hop_tac_quoc_te": r"hợp tác|hội đàm|chuyến thăm|thăm chính thức|asean|liên hợp quốc|kiều bào|người việt (nam )?ở nước ngoài|đối ngoại|ngoại giao|cooperation|diplomat",
    "khcn": r"khoa học|công nghệ|đổi mới sáng tạo|khởi nghiệp|startup|bán dẫn|sáng chế|nghiên cứu|nghị quyết 57|science|semiconductor",
}
BASELINE_PROVINCE = r"bình thuận|phan thiết|mũi né|la gi|phú quý|tuy phong|bắc bình|hàm thuận|hàm tân|tánh linh|đức linh|kê gà|vĩnh tân|binh thuan|phan thiet|mui ne"

_BASELINE = {t: re.compile(p, re.IGNORECASE) for t, p in BASELINE_PATTERNS.items()}
_BASELINE_PROVINCE = re.compile(BASELINE_PROVINCE, re.IGNORECASE)


def keyword_baseline(item: LabelledItem) -> Prediction:
    """Tag by keyword regexes alone: a topic fires when any of its keywords occurs.

    >>> keyword_baseline(LabelledItem(id="x", title="Bão mạnh trên Biển Đông", text="", topics=frozenset(), province=None)).topics
    frozenset({'bien_dao'})
    """
    text = f"{item.title}. {item.text}"
    return Prediction(
        topics=frozenset(t for t, rx in _BASELINE.items() if rx.search(text)),
        province=bool(_BASELINE_PROVINCE.search(text)),
    )
