"""The learned risk model: training, storage without pickle, CLI, and a held-out check."""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from typer.testing import CliRunner

from nlp.risk_model import (
    FEATURES,
    SHIPPED_MODELS_DIR,
    DataError,
    LabelledItem,
    RiskModel,
    load_risk_model,
    prepare,
    read_labelled,
    train_risk_model,
)
from pipeline.cli import app

REPO = Path(__file__).resolve().parent.parent
TEAM_DATA = REPO / "nlp" / "data" / "risk_train.jsonl"
runner = CliRunner()


@pytest.fixture(scope="module")
def team_items() -> list[LabelledItem]:
    return read_labelled(TEAM_DATA)


def test_team_data_is_large_and_balanced(team_items: list[LabelledItem]) -> None:
    assert len(team_items) >= 300
    positives = sum(i.positive for i in team_items)
    assert abs(positives - (len(team_items) - positives)) <= len(team_items) * 0.1
    assert {i.label for i in team_items} == {"fake", "misleading", "real"}


def test_save_and_load_give_the_same_scores(tmp_path: Path, team_items: list[LabelledItem]) -> None:
    model = train_risk_model(team_items[:200])
    folder = model.save(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "weights.npz"]
    # JSON + plain arrays: nothing in the folder needs pickle to read.
    json.loads((folder / "model.json").read_text(encoding="utf-8"))
    with np.load(folder / "weights.npz", allow_pickle=False) as arrays:
        assert {"coef", "intercept"} <= set(arrays.files)
        assert all(arrays[name].dtype != object for name in arrays.files)
    loaded = RiskModel.load(folder)
    held = [(i.title, i.text) for i in team_items[200:260]]
    assert loaded.scores(held) == pytest.approx(model.scores(held), abs=1e-9)


def test_features_match_sklearn_tfidf(team_items: list[LabelledItem]) -> None:
    """Our rebuilt transform is TfidfVectorizer's (sublinear tf, smooth idf, l2 norm)."""
    docs = [prepare(i.title, i.text) for i in team_items[:80]]
    model = train_risk_model(team_items[:80])
    block = model.blocks[0]
    reference = TfidfVectorizer(
        analyzer="word", ngram_range=(1, 2), lowercase=False, sublinear_tf=True,
        vocabulary=block.vectorizer.vocabulary,
    ).fit(docs)
    ours = block.transform(docs).toarray()
    theirs = reference.transform(docs).toarray()
    # Same vocabulary; idf from the same documents (min_df keeps all of them here).
    assert np.allclose(ours, theirs, atol=1e-9)


def test_model_separates_team_held_out_items(team_items: list[LabelledItem]) -> None:
    from sklearn.metrics import roc_auc_score

    items = list(team_items)
    random.Random(7).shuffle(items)
    model = train_risk_model(items[:250])
    held = items[250:]
    auc = roc_auc_score([i.positive for i in held], model.scores([(i.title, i.text) for i in held]))
    assert auc > 0.9


def test_bad_training_files_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "a", "label": "real"}\n{"title": "b", "label": "maybe"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.jsonl:2: label 'maybe'"):
        read_labelled(bad)
    one_class = [LabelledItem(title="a", text="", label="real")] * 3
    with pytest.raises(DataError, match="both"):
        train_risk_model(one_class)
    result = runner.invoke(app, ["train", "risk", "--data", str(bad), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "bad.jsonl:2" in result.output
    assert not (tmp_path / "m").exists()


def test_shipped_model_loads() -> None:
    model = load_risk_model()
    assert model is not None, f"no shipped model in {SHIPPED_MODELS_DIR}"
    assert 0.0 <= model.score("Thanh long Bình Thuận", "Xuất khẩu tăng.") <= 1.0
    assert load_risk_model() is model  # once per process


def test_missing_model_dir_gives_none_and_eval_fails_clearly(tmp_path: Path) -> None:
    assert load_risk_model(tmp_path / "empty") is None
    data = tmp_path / "d.jsonl"
    data.write_text('{"title": "a", "label": "real"}\n', encoding="utf-8")
    result = runner.invoke(app, ["eval", "risk", "--data", str(data), "--models", str(tmp_path / "empty")])
    assert result.exit_code == 2 and "no risk model" in result.output


def test_train_and_eval_through_the_cli(tmp_path: Path, team_items: list[LabelledItem]) -> None:
    items = list(team_items)
    random.Random(3).shuffle(items)
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    for path, part in ((train, items[:260]), (test, items[260:])):
        path.write_text(
            "".join(json.dumps({"title": i.title, "text": i.text, "label": i.label}, ensure_ascii=False) + "\n" for i in part),
            encoding="utf-8",
        )
    out = tmp_path / "models"
    result = runner.invoke(app, ["train", "risk", "--data", str(train), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "risk" / "model.json").is_file()
    result = runner.invoke(app, ["eval", "risk", "--data", str(test), "--models", str(out), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["items"] == len(items) - 260
    assert figures["roc_auc"] > 0.9
    assert 0 <= figures["precision"] <= 1 and 0 <= figures["recall"] <= 1
    text = runner.invoke(app, ["eval", "risk", "--data", str(test), "--models", str(out)])
    assert "ROC AUC" in text.output and "precision" in text.output


def _split(rows: list[dict[str, str]], seed: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    by_label: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_label.setdefault(row["label"], []).append(row)
    train, test = [], []
    rng = random.Random(seed)
    for _label, group in sorted(by_label.items()):
        rng.shuffle(group)
        cut = round(len(group) * 0.2) if len(group) > 1 else 0
        test += group[:cut]
        train += group[cut:]
    return train, test


def test_held_out_auc_on_the_shared_datasets(shared_data: Path, tmp_path: Path) -> None:
    """Quality gate: trained on 80 % of the two shared sets, ROC AUC >= 0.93 on the rest."""
    train_files, test_rows = [], []
    for name in ("vfnd_dev.jsonl", "vnnews_v2_train.jsonl"):
        rows = [json.loads(line) for line in (shared_data / name).read_text(encoding="utf-8").splitlines() if line.strip()]
        train, test = _split(rows, seed=20261126)
        path = tmp_path / name
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in train), encoding="utf-8")
        train_files.append(path)
        test_rows += test
    held = tmp_path / "held_out.jsonl"
    held.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in test_rows), encoding="utf-8")
    out = tmp_path / "models"
    args = ["train", "risk", "--out", str(out)]
    for path in train_files:
        args += ["--data", str(path)]
    assert runner.invoke(app, args).exit_code == 0
    result = runner.invoke(app, ["eval", "risk", "--data", str(held), "--models", str(out), "--json"])
    figures = json.loads(result.output)
    assert figures["roc_auc"] >= 0.93, figures


def test_normalized_input_scores_the_same(team_items: list[LabelledItem]) -> None:
    """``nlp.analyze`` passes normalised text and skips the second normalisation."""
    from nlp.normalize import normalize

    model = train_risk_model(team_items[:120])
    for item in team_items[120:150]:
        raw_title = unicodedata.normalize("NFD", item.title) + "  "
        plain = model.score(raw_title, item.text)
        assert model.score(
            normalize(raw_title), normalize(item.text), normalized=True
        ) == pytest.approx(plain, abs=1e-12)


def test_blocks_see_at_most_their_character_cap(tmp_path: Path, team_items: list[LabelledItem]) -> None:
    model = RiskModel.load(train_risk_model(team_items[:120]).save(tmp_path))
    caps = [b.max_chars for b in model.blocks]
    assert caps == [FEATURES[b.name]["max_chars"] for b in model.blocks] and all(caps)
    cap = max(c for c in caps if c)
    opening = (prepare(team_items[0].title, team_items[0].text) + " ") * (cap // 50 + 1)
    assert len(opening) > cap
    opening = opening[:cap]
    # What follows the cap is invisible: the score depends on the opening only.
    one = model.score_prepared(opening + " sự thật bị che giấu sốc")
    other = model.score_prepared(opening + " thông tin chính thức từ bộ")
    assert one == pytest.approx(other, abs=1e-12)
    assert model.score_prepared(opening[: cap // 4]) != pytest.approx(one, abs=1e-6)
