"""``haidang train topics`` and ``haidang eval topics``.

Train the topic model from labelled JSON lines; evaluate the full tagger (lexicon + model,
as ``haidang analyze`` runs it) on a labelled set, optionally beside the keyword baseline.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import typer

from nlp.evaluate import (
    LabelledDataError,
    LabelledItem,
    Prediction,
    Report,
    disagreements,
    evaluate,
    evaluate_predictions,
    join_headlines,
    keyword_baseline,
    predict_all,
    read_labelled,
    read_training_records,
)
from pipeline.cli_train import eval_app, train_app
from pipeline.errors import UserError, friendly

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
# Shared development data lives beside the repository; it is never shipped with it.
DEFAULT_HEADLINES = REPO.parent / "shared" / "data" / "rss_headlines_2025.jsonl.gz"


def default_headlines() -> Path:
    """The headlines file dev labels are joined with (``HAIDANG_HEADLINES`` overrides)."""
    env = os.environ.get("HAIDANG_HEADLINES")
    return Path(env) if env else DEFAULT_HEADLINES


@train_app.command("topics")
@friendly
def train_topics(
    data: list[Path] = typer.Option(
        ..., "--data", help="Labelled JSON lines (id, title, text, topics); repeatable."
    ),
    out: Path = typer.Option(
        ..., "--out", help="Models directory; the model is written to OUT/topics/."
    ),
    headlines: Path | None = typer.Option(
        None,
        "--headlines",
        help="Headlines file (JSON lines, may be gzipped) to join id/url-only labels with; "
        "never the default, so nothing is trained on a file by accident.",
    ),
) -> None:
    """Train the topic model.

    Example: haidang train topics --data nlp/data/topics_train.jsonl --out nlp/models
    """
    from nlp.topic_model import MODEL_SUBDIR, train_topic_model

    if headlines is not None and not headlines.is_file():
        raise UserError(f"--headlines {headlines}: no such file")
    try:
        records = read_training_records(data, headlines=headlines)
    except LabelledDataError as exc:
        raise UserError(str(exc)) from None
    typer.echo(f"training on {len(records)} records from {len(data)} file(s)…", err=True)
    started = time.monotonic()
    model = train_topic_model(records)
    target = model.save(out / MODEL_SUBDIR)
    size = sum(p.stat().st_size for p in target.iterdir() if p.is_file())
    typer.echo(
        f"saved topic model {model.version} to {target} ({size / 1e6:.1f} MB, {time.monotonic() - started:.0f} s)"
    )
    positives = model.info.get("positives", {})
    for topic in model.topics:
        typer.echo(
            f"  {topic:<18} positives {positives.get(topic, 0):>4}  threshold {model.thresholds[topic]:.2f}"
        )


def _load_items(paths: list[Path], headlines: Path) -> list[LabelledItem]:
    items: list[LabelledItem] = []
    for path in paths:
        items.extend(read_labelled(path))
    if all(i.has_text for i in items):
        return items
    if not headlines.is_file():
        raise UserError(
            f"these labels carry ids/urls only and must be joined with the shared headlines file, "
            f"which is absent: {headlines} (set HAIDANG_HEADLINES or --headlines)"
        )
    return join_headlines(items, headlines)


def _analyzer_tagger(models: Path | None) -> tuple[str, Callable[[LabelledItem], Prediction]]:
    from config import load_config
    from nlp import Analyzer
    from nlp.records import TextItem

    analyzer = Analyzer(load_config(), models_dir=models, fingerprints=False)

    def tag(item: LabelledItem) -> Prediction:
        analysis = analyzer.analyze(TextItem(id=item.id, title=item.title, text=item.text))
        return Prediction(
            topics=frozenset(t.id for t in analysis.topics),
            province=analysis.province.relevant,
            evidence={t.id: tuple(t.evidence) for t in analysis.topics},
            foreign_parties=analysis.foreign_parties,
        )

    return analyzer.model_version, tag


def _write_errors(path: Path, items: list[LabelledItem], predictions: list[Prediction]) -> None:
    try:
        with path.open("w", encoding="utf-8") as out:
            count = 0
            for record in disagreements(items, predictions):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
    except OSError as exc:
        raise UserError(f"--errors {path}: cannot write: {exc.strerror or exc}") from None
    typer.echo(f"{count} of {len(items)} items disagree with their labels: {path}", err=True)


def _print(name: str, report: Report) -> None:
    typer.echo(f"== {name}")
    typer.echo(report.table())


@eval_app.command("topics")
@friendly
def eval_topics(
    data: list[Path] = typer.Option(
        ...,
        "--data",
        help="Labelled JSON lines; records may carry only id/url + labels. A record without "
        "'topics' counts for province relevance only.",
    ),
    models: Path | None = typer.Option(
        None, "--models", help="Models directory (default: the shipped models)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    baseline: bool = typer.Option(
        False, "--baseline", help="Also score the keyword-regex baseline."
    ),
    headlines: Path | None = typer.Option(
        None,
        "--headlines",
        help="Headlines file to join id-only labels with (default: ../shared/data/…).",
    ),
    errors: Path | None = typer.Option(
        None,
        "--errors",
        help="Write the items the tagger got wrong here (JSON lines: labels, missed, extra, evidence).",
    ),
) -> None:
    """Evaluate the topic tagger (lexicon + model, as `haidang analyze` runs it) on labelled items.

    Example: haidang eval topics --data nlp/data/topics_dev_labels.jsonl --baseline --errors misses.jsonl
    """
    try:
        items = _load_items(data, headlines or default_headlines())
    except LabelledDataError as exc:
        raise UserError(str(exc)) from None
    if models is not None and not models.is_dir():
        raise UserError(f"--models {models}: no such directory")
    version, tagger = _analyzer_tagger(models)
    with typer.progressbar(length=len(items), label="tagging", file=sys.stderr) as bar:
        predictions = predict_all(items, tagger, progress=lambda _n: bar.update(1))
    report = evaluate_predictions(items, predictions)
    if errors is not None:
        _write_errors(errors, items, predictions)
    baseline_report = evaluate(items, keyword_baseline) if baseline else None
    if as_json:
        payload: dict[str, object] = {"tagger": version, **report.to_dict()}
        if baseline_report is not None:
            payload["baseline"] = baseline_report.to_dict()
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    _print(f"tagger {version}", report)
    if baseline_report is not None:
        _print("keyword baseline", baseline_report)


def register(app: typer.Typer) -> None:
    # The commands live on the shared train/eval groups (pipeline.cli_train registers them).
    del app
