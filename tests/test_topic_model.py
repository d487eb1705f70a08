"""The topic model: training, pickle-free save/load, predict/explain, and its two CLI commands."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nlp.evaluate import LabelledItem, Prediction, evaluate_predictions, keyword_baseline
from nlp.topic_model import (
    META_FILE,
    TOPIC_IDS,
    WEIGHTS_FILE,
    ModelFormatError,
    TopicModel,
    TrainSettings,
    load_topic_model,
    segment_for_model,
    train_topic_model,
)
from pipeline.cli import app

REPO = Path(__file__).resolve().parent.parent
HAIDANG = Path(sys.executable).parent / "haidang"

SEA = [
    "Ngư dân bám biển Hoàng Sa bị tàu nước ngoài xua đuổi",
    "Cảnh sát biển tuần tra bảo vệ ngư dân ở Trường Sa",
    "Chống khai thác IUU, gỡ thẻ vàng cho hải sản",
    "Hải quân bảo vệ chủ quyền biển đảo Trường Sa",
    "Ngư dân ký cam kết không vi phạm vùng biển nước ngoài, chống IUU",
    "Tàu kiểm ngư hỗ trợ ngư dân trên ngư trường Hoàng Sa",
]
BORDER = [
    "Bộ đội biên phòng bắt vụ buôn lậu đường cát qua biên giới",
    "Cửa khẩu Hữu Nghị thông quan hàng nghìn xe nông sản",
    "Phân giới cắm mốc biên giới Việt Nam - Lào",
    "Bắt nhóm đưa người xuất cảnh trái phép qua đường mòn biên giới",
    "Biên phòng tuần tra cột mốc quốc giới trên biên giới",
    "Buôn lậu thuốc lá qua cửa khẩu biên giới Tây Nam",
]
TOURISM = [
    "Du khách đổ về Mũi Né dịp lễ, khách sạn kín phòng",
    "Lễ hội Nghinh Ông được công nhận di sản văn hóa",
    "Bảo tàng trưng bày cổ vật, thu hút du khách",
    "Tu bổ di tích tháp Chăm đón du khách tham quan",
    "Khách quốc tế đến Việt Nam tăng mạnh, du lịch phục hồi",
    "Lễ hội văn hóa truyền thống thu hút hàng nghìn du khách",
]
OTHER = [
    "Giá vàng hôm nay tăng mạnh",
    "Tuyển Việt Nam thắng đậm trong trận giao hữu",
    "Bão mạnh trên Biển Đông, cấm tàu thuyền ra khơi",
    "Đánh giá điện thoại mới: camera đẹp, pin trâu",
    "Tai nạn giao thông trên quốc lộ, hai người bị thương",
    "Ca sĩ nổi tiếng ly hôn sau 5 năm",
    "Giá rau xanh tăng sau mưa lũ",
    "Bắt đối tượng trộm cắp xe máy",
]


def _records() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for topic, titles in (
        ("bien_dao", SEA),
        ("bien_gioi", BORDER),
        ("van_hoa_du_lich", TOURISM),
        (None, OTHER),
    ):
        for n, title in enumerate(titles):
            out.append(
                {
                    "id": f"{topic}-{n}",
                    "title": title,
                    "text": "",
                    "topics": [topic] if topic else [],
                }
            )
    return out


SMALL = TrainSettings(word_min_df=1, char_min_df=1, folds=2, max_char_features=5000)


@pytest.fixture(scope="module")
def small_model() -> TopicModel:
    return train_topic_model(
        _records(), settings=SMALL, topics=("bien_dao", "bien_gioi", "van_hoa_du_lich")
    )


def test_predict_gives_probabilities_per_topic(small_model: TopicModel) -> None:
    texts = [
        segment_for_model("Tàu cảnh sát biển bảo vệ ngư dân Hoàng Sa", ""),
        segment_for_model("Biên phòng bắt buôn lậu qua cửa khẩu biên giới", ""),
        segment_for_model("Giá vàng giảm mạnh", ""),
    ]
    sea, border, gold = small_model.predict(texts)
    assert set(sea) == {"bien_dao", "bien_gioi", "van_hoa_du_lich"}
    assert all(0.0 <= p <= 1.0 for p in sea.values())
    assert sea["bien_dao"] > sea["bien_gioi"] and sea["bien_dao"] > sea["van_hoa_du_lich"]
    assert border["bien_gioi"] > border["bien_dao"]
    assert gold["bien_dao"] < sea["bien_dao"] and gold["bien_gioi"] < border["bien_gioi"]
    assert small_model.predict([]) == []


def test_explain_lists_features_present_in_the_text(small_model: TopicModel) -> None:
    segmented = segment_for_model("Ngư dân bám biển Hoàng Sa", "")
    features = small_model.explain(segmented, "bien_dao", k=3)
    assert 0 < len(features) <= 3
    lowered = segmented.lower().replace("_", " ")
    assert all(f in lowered for f in features)
    with pytest.raises(KeyError):
        small_model.explain(segmented, "no_such_topic")


def test_save_load_roundtrip_without_pickle(small_model: TopicModel, tmp_path: Path) -> None:
    target = small_model.save(tmp_path / "topics")
    assert sorted(p.name for p in target.iterdir()) == [META_FILE, WEIGHTS_FILE]
    # Readable as plain JSON and as a pickle-free npz archive.
    meta = json.loads((target / META_FILE).read_text(encoding="utf-8"))
    assert meta["topics"] == ["bien_dao", "bien_gioi", "van_hoa_du_lich"]
    with np.load(target / WEIGHTS_FILE, allow_pickle=False) as arrays:
        assert arrays["coef"].shape[0] == 3
    loaded = load_topic_model(tmp_path)
    assert loaded is not None
    assert loaded.version == small_model.version
    assert loaded.thresholds == small_model.thresholds
    text = [segment_for_model("Du khách tham quan lễ hội di sản", "")]
    before, after = small_model.predict(text)[0], loaded.predict(text)[0]
    assert before.keys() == after.keys()
    assert all(abs(before[t] - after[t]) < 1e-4 for t in before)
    # Loading is cached per directory: the second call returns the same object.
    assert load_topic_model(tmp_path) is loaded


def test_unreadable_model_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "topics").mkdir()
    (tmp_path / "topics" / META_FILE).write_text("{not json", encoding="utf-8")
    (tmp_path / "topics" / WEIGHTS_FILE).write_bytes(b"junk")
    with pytest.raises(ModelFormatError, match="cannot read topic model"):
        load_topic_model(tmp_path)


def test_shipped_model_loads_fast_and_is_the_fallback(tmp_path: Path) -> None:
    started = time.perf_counter()
    shipped = load_topic_model(None)
    elapsed = time.perf_counter() - started
    assert shipped is not None, "nlp/models/topics/ is missing; build it with haidang train topics"
    assert shipped.topics == TOPIC_IDS
    assert elapsed < 5.0  # < 1 s on an idle machine; generous for a shared CI box
    # A models directory without a topic model falls back to the shipped one.
    assert load_topic_model(tmp_path) is shipped
    size = sum(p.stat().st_size for p in (REPO / "nlp" / "models" / "topics").iterdir())
    assert size < 5_000_000


def test_shipped_model_respects_hard_negatives() -> None:
    model = load_topic_model(None)
    assert model is not None
    storm, fishermen = model.predict(
        [
            segment_for_model(
                "Bão số 5 mạnh cấp 12 đi vào Biển Đông", "Vùng biển phía bắc có gió giật mạnh."
            ),
            segment_for_model(
                "Ngư dân bám biển Hoàng Sa", "Tàu cá vươn khơi khẳng định chủ quyền."
            ),
        ]
    )
    assert fishermen["bien_dao"] > 0.5
    assert storm["bien_dao"] < fishermen["bien_dao"]


def test_metrics_and_keyword_baseline() -> None:
    items = [
        LabelledItem(
            id="1", title="Ngư dân Hoàng Sa", text="", topics=frozenset({"bien_dao"}), province=True
        ),
        LabelledItem(
            id="2", title="Bão trên Biển Đông", text="", topics=frozenset(), province=False
        ),
    ]
    preds = [keyword_baseline(i) for i in items]
    assert preds[1].topics == {"bien_dao"}  # the baseline falls for the storm
    report = evaluate_predictions(items, preds)
    assert report.per_topic["bien_dao"].precision == 0.5
    assert report.per_topic["bien_dao"].recall == 1.0
    assert report.province is not None and report.province.support == 1
    perfect = evaluate_predictions(
        items, [Prediction(topics=i.topics, province=i.province) for i in items]
    )
    assert perfect.micro.f1 == 1.0
    assert perfect.province is not None and perfect.province.f1 == 1.0


def _write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def test_cli_train_then_eval_through_the_entry_point(tmp_path: Path) -> None:
    data = _write_jsonl(tmp_path / "train.jsonl", _records())
    out = tmp_path / "models"
    trained = subprocess.run(
        [str(HAIDANG), "train", "topics", "--data", str(data), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert trained.returncode == 0, trained.stderr
    assert (out / "topics" / META_FILE).is_file() and (out / "topics" / WEIGHTS_FILE).is_file()
    assert "saved topic model" in trained.stdout

    dev = _write_jsonl(
        tmp_path / "dev.jsonl",
        [
            {
                "id": "d1",
                "title": "Ngư dân bám biển Hoàng Sa",
                "text": "",
                "topics": ["bien_dao"],
                "province": False,
            },
            {"id": "d2", "title": "Giá vàng tăng", "text": "", "topics": [], "province": False},
            {
                "id": "d3",
                "title": "Du khách đến Phan Thiết",
                "text": "",
                "topics": ["van_hoa_du_lich"],
                "province": True,
            },
        ],
    )
    evaluated = subprocess.run(
        [
            str(HAIDANG),
            "eval",
            "topics",
            "--data",
            str(dev),
            "--models",
            str(out),
            "--json",
            "--baseline",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    assert report["items"] == 3
    assert set(report["per_topic"]) == set(TOPIC_IDS)
    assert report["per_topic"]["bien_dao"]["support"] == 1
    assert report["province"]["support"] == 1
    assert "micro" in report and "macro" in report and "baseline" in report
    assert report["tagger"].startswith("analyzer-")


def test_cli_rejects_a_bad_line_with_its_number(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "1", "title": "Ngư dân", "text": "", "topics": ["bien_dao"]}\n{"id": "2", "title": "x", "topics": "bien_dao"}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["train", "topics", "--data", str(bad), "--out", str(tmp_path / "m")]
    )
    assert result.exit_code == 2
    assert f"{bad}:2" in result.output and "topics" in result.output
    unknown = _write_jsonl(
        tmp_path / "unknown.jsonl", [{"id": "1", "title": "x", "text": "", "topics": ["weather"]}]
    )
    result = CliRunner().invoke(app, ["eval", "topics", "--data", str(unknown)])
    assert result.exit_code == 2 and "unknown topic id" in result.output


def test_province_only_labels_are_scored_for_the_province_alone(tmp_path: Path) -> None:
    labels = _write_jsonl(
        tmp_path / "province.jsonl",
        [
            {"id": "p1", "title": "Ngư dân Phan Thiết bám biển Hoàng Sa", "text": "", "province": True},
            {"id": "p2", "title": "Kết quả xổ số Bình Thuận hôm nay", "text": "", "province": False},
            {"id": "p3", "title": "Du khách đến Đà Lạt", "text": "", "topics": None, "province": False},
        ],
    )
    result = CliRunner().invoke(app, ["eval", "topics", "--data", str(labels), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["items"] == 3 and report["topic_items"] == 0
    # The tagger's bien_dao on p1 is not a false positive: p1 carries no topic labels.
    assert report["micro"]["tp"] == report["micro"]["fp"] == report["micro"]["fn"] == 0
    assert report["province"] == {**report["province"], "support": 1, "tp": 1, "fp": 0}
    table = CliRunner().invoke(app, ["eval", "topics", "--data", str(labels)])
    assert "province relevance only" in table.output
    # Training needs topic labels: a province-only record is refused with its file and id.
    trained = CliRunner().invoke(
        app, ["train", "topics", "--data", str(labels), "--out", str(tmp_path / "m")]
    )
    assert trained.exit_code == 2 and "'p1' has no 'topics'" in trained.output


def test_cli_eval_needs_the_headlines_file_for_id_only_labels(tmp_path: Path) -> None:
    labels = _write_jsonl(
        tmp_path / "labels.jsonl",
        [{"id": "abc", "url": "https://x/1", "topics": [], "province": False}],
    )
    result = CliRunner().invoke(
        app,
        ["eval", "topics", "--data", str(labels), "--headlines", str(tmp_path / "absent.jsonl.gz")],
    )
    assert result.exit_code == 2
    assert "absent" in result.output and "headlines" in result.output


def test_cli_trains_id_only_labels_joined_with_a_headlines_file(tmp_path: Path) -> None:
    """Labels that carry only an id train once --headlines names the file holding their text;
    without it they are refused with the way out, and a missing file is named."""
    records = _records()
    headlines = tmp_path / "headlines.jsonl"
    headlines.write_text(
        "".join(
            json.dumps({"id": r["id"], "title": r["title"], "text": r["text"]}, ensure_ascii=False)
            + "\n"
            for r in records
        ),
        encoding="utf-8",
    )
    labels = _write_jsonl(
        tmp_path / "labels.jsonl", [{"id": r["id"], "topics": r["topics"]} for r in records]
    )
    train = ["train", "topics", "--data", str(labels), "--out", str(tmp_path / "m")]
    runner = CliRunner()
    refused = runner.invoke(app, train)
    assert refused.exit_code == 2 and "--headlines" in refused.output
    missing = runner.invoke(app, [*train, "--headlines", str(tmp_path / "absent.jsonl")])
    assert missing.exit_code == 2 and "absent.jsonl: no such file" in missing.output
    trained = runner.invoke(app, [*train, "--headlines", str(headlines)])
    assert trained.exit_code == 0, trained.output
    model = load_topic_model(tmp_path / "m")
    assert model is not None and model.info["records"] == len(records)
    assert model.info["positives"]["bien_dao"] == len(SEA)


def test_score_keeps_the_features_explain_needs(small_model: TopicModel) -> None:
    """``score`` + ``explain_row`` (what the analyser calls) equal ``predict`` + ``explain``."""
    segmented = segment_for_model("Ngư dân bám biển Hoàng Sa", "Tàu cá bị xua đuổi.")
    prediction = small_model.score(segmented)
    assert prediction.probabilities == pytest.approx(small_model.predict([segmented])[0], abs=1e-12)
    for topic in small_model.topics:
        assert small_model.explain_row(prediction.row, topic, k=4) == small_model.explain(
            segmented, topic, k=4
        )


def test_character_ngrams_see_only_the_opening(small_model: TopicModel) -> None:
    cap = small_model.settings.char_max_chars
    assert cap > 0
    opening = segment_for_model("Ngư dân bám biển Hoàng Sa", "")
    padded = opening + " ." + " xyz" * cap  # the tail is past the cap for char n-grams
    char_start = len(small_model._word_vocab)
    indices, _ = small_model.row(padded)
    chars = {int(i) - char_start for i in indices if i >= char_start}
    names = {small_model._names[char_start + i] for i in chars}
    assert not any("xyz" in name for name in names)


def test_cli_eval_writes_the_disagreements_for_review(tmp_path: Path) -> None:
    # Deliberately mislabelled: the shipped tagger should disagree on both items.
    dev = _write_jsonl(
        tmp_path / "dev.jsonl",
        [
            {"id": "s1", "title": "Ngư dân Phú Quý bám biển Hoàng Sa", "text": "", "topics": []},
            {"id": "g1", "title": "Giá vàng hôm nay tăng mạnh", "text": "", "topics": ["dau_tu"]},
            {"id": "ok", "title": "Giá xăng giảm nhẹ", "text": "", "topics": []},
            {"id": "f1", "title": "Nga tố Mỹ vi phạm UNCLOS", "text": "", "topics": ["bien_dao"]},
        ],
    )
    errors = tmp_path / "errors.jsonl"
    result = CliRunner().invoke(
        app, ["eval", "topics", "--data", str(dev), "--errors", str(errors), "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {"s1", "g1", "f1"}
    assert by_id["s1"]["extra"] == ["bien_dao"] and by_id["s1"]["topics"] == []
    assert any("hoàng sa" in e.lower() for e in by_id["s1"]["evidence"]["bien_dao"])
    assert by_id["g1"]["missed"] == ["dau_tu"] and by_id["g1"]["extra"] == []
    assert by_id["g1"]["foreign_parties"] == []
    # Why an item was left without topics.
    assert by_id["f1"]["missed"] == ["bien_dao"] and by_id["f1"]["foreign_parties"] == ["Nga", "Mỹ"]
    # The review file is itself labelled data: it goes back to eval/train as it is.
    from nlp.evaluate import read_labelled

    assert [i.id for i in read_labelled(errors)] == [r["id"] for r in rows]


def test_cli_eval_errors_to_an_unwritable_path_is_one_clear_line(tmp_path: Path) -> None:
    dev = _write_jsonl(
        tmp_path / "dev.jsonl", [{"id": "1", "title": "Giá vàng tăng", "text": "", "topics": []}]
    )
    target = tmp_path / "missing-dir" / "errors.jsonl"
    result = CliRunner().invoke(
        app, ["eval", "topics", "--data", str(dev), "--errors", str(target)]
    )
    assert result.exit_code == 2
    assert "--errors" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("name", ["dev2", "test"])
def test_two_readings_of_the_gate_sets_agree_well_above_the_tagger(name: str) -> None:
    # A second annotator labelled the dev2 and test items blind, from TOPICS.md alone
    # (nlp/data/README.md): the agreement is the ceiling the tagger is measured against.
    from nlp.evaluate import label_agreement, read_labelled

    first = read_labelled(REPO / "nlp" / "data" / f"topics_{name}_labels.jsonl")
    second = read_labelled(REPO / "nlp" / "data" / f"topics_{name}_labels_b.jsonl")
    report = label_agreement(first, second)
    assert report.items == len(first) >= 400
    assert report.micro.f1 >= 0.88


def test_label_agreement_refuses_readings_of_different_items() -> None:
    from nlp.evaluate import LabelledDataError, label_agreement

    a = [LabelledItem(id="1", title="x", text="", topics=frozenset(), province=None)]
    b = [LabelledItem(id="2", title="x", text="", topics=frozenset(), province=None)]
    with pytest.raises(LabelledDataError, match="different items"):
        label_agreement(a, b)
