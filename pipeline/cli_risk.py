"""``haidang train risk``, ``haidang eval risk`` and ``haidang triage ...``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.orm import Session

from nlp.risk_model import DataError, LabelledItem, load_risk_model, model_folder, read_labelled
from pipeline.cli_train import eval_app, train_app
from pipeline.errors import UserError, friendly
from storage.db import make_engine, session_factory, session_scope

triage_app = typer.Typer(
    help="Triage queue for the spokesperson. Example: haidang triage list --status new",
    no_args_is_help=True,
)


def _read_all(paths: list[Path]) -> list[LabelledItem]:
    items: list[LabelledItem] = []
    for path in paths:
        try:
            items.extend(read_labelled(path))
        except DataError as exc:
            raise UserError(str(exc)) from None
    return items


# --- model -----------------------------------------------------------------------


@train_app.command("risk")
@friendly
def train_risk(
    data: list[Path] = typer.Option(..., "--data", help="JSON lines with label fake/misleading/real; repeatable"),
    out: Path = typer.Option(..., "--out", help="models folder; the model goes to OUT/risk/"),
    threshold: float = typer.Option(0.5, min=0.0, max=1.0, help="model score counted as positive by eval"),
) -> None:
    """Train the risk classifier (fake + misleading = positive) and store it as JSON + .npz.

    Example: haidang train risk --data nlp/data/risk_train.jsonl --out nlp/models
    """
    from nlp.risk_model import train_risk_model

    items = _read_all(data)
    try:
        model = train_risk_model(items, sources=[p.name for p in data], threshold=threshold)
    except DataError as exc:
        raise UserError(str(exc)) from None
    folder = model.save(out)
    labels = model.meta["labels"]
    typer.echo(
        f"trained risk model on {len(items)} items "
        f"(fake {labels['fake']}, misleading {labels['misleading']}, real {labels['real']}) -> {folder}"
    )


def evaluate(scores: list[float], truth: list[bool], threshold: float) -> dict[str, Any]:
    """ROC AUC, and precision/recall/F1 at ``threshold`` (fake+misleading = positive)."""
    from sklearn.metrics import roc_auc_score

    predicted = [s >= threshold for s in scores]
    tp = sum(1 for p, t in zip(predicted, truth, strict=True) if p and t)
    fp = sum(1 for p, t in zip(predicted, truth, strict=True) if p and not t)
    fn = sum(1 for p, t in zip(predicted, truth, strict=True) if not p and t)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    auc = roc_auc_score(truth, scores) if len(set(truth)) == 2 else None
    return {
        "items": len(truth),
        "positives": sum(truth),
        "threshold": threshold,
        "roc_auc": None if auc is None else round(float(auc), 4),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


@eval_app.command("risk")
@friendly
def eval_risk(
    data: list[Path] = typer.Option(..., "--data", help="labelled JSON lines; repeatable"),
    models: Path | None = typer.Option(None, "--models", help="models folder (default: shipped)"),
    threshold: float | None = typer.Option(None, min=0.0, max=1.0, help="default: the model's own"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """ROC AUC, precision and recall of ``risk.model_score`` on labelled items.

    Example: haidang eval risk --data held_out.jsonl --models my_models --json
    """
    model = load_risk_model(models)
    if model is None:
        raise UserError(f"no risk model in {model_folder(models)} (train one with 'haidang train risk')")
    items = _read_all(data)
    scores = model.scores([(i.title, i.text) for i in items])
    result = evaluate(scores, [i.positive for i in items], model.threshold if threshold is None else threshold)
    result["model"] = model.name
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    auc = "n/a (one class only)" if result["roc_auc"] is None else f"{result['roc_auc']:.4f}"
    typer.echo(
        f"{result['items']} items ({result['positives']} fake/misleading), model {result['model']}\n"
        f"ROC AUC {auc}\n"
        f"at threshold {result['threshold']:.2f}: precision {result['precision']:.4f}, "
        f"recall {result['recall']:.4f}, F1 {result['f1']:.4f}"
    )


# --- triage ------------------------------------------------------------------------


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine()
    try:
        with session_scope(session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def _line(v: Any) -> str:
    marks = []
    if v.overdue:
        marks.append("QUÁ HẠN")
    if v.article_edited:
        marks.append(f"bài đã sửa (v{v.article_version})")
    if v.article_taken_down_at:
        marks.append("bài đã gỡ")
    due = v.due_at.strftime("%Y-%m-%d %H:%M") if v.due_at else "-"
    extra = f"  [{', '.join(marks)}]" if marks else ""
    return (
        f"#{v.id:<5} {v.status.value:<15} {v.severity:<7} {v.score:.2f}  hạn {due}  "
        f"{v.assignee or '-':<12} {v.title[:70]}{extra}"
    )


@triage_app.command("list")
@friendly
def triage_list(
    status: list[str] = typer.Option([], "--status", help="new, reviewing, dismissed, needs_response, responded, reopened"),
    overdue: bool = typer.Option(False, "--overdue", help="only open flags past their deadline"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """List flags, most urgent first.

    Example: haidang triage list --status new --status reviewing
    """
    from pipeline.triage import list_flags

    with _session() as session:
        views = list_flags(session, statuses=status or None, overdue_only=overdue)
        if as_json:
            typer.echo(json.dumps([v.to_dict(with_events=False) for v in views], ensure_ascii=False))
            return
        if not views:
            typer.echo("không có cờ nào (no flags)")
        for v in views:
            typer.echo(_line(v))


@triage_app.command("show")
@friendly
def triage_show(
    flag_id: int = typer.Argument(..., metavar="ID"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """One flag with its signals, evidence and history.

    Example: haidang triage show 12
    """
    from pipeline.triage import get_flag, view

    with _session() as session:
        v = view(get_flag(session, flag_id))
        if as_json:
            typer.echo(json.dumps(v.to_dict(), ensure_ascii=False))
            return
        typer.echo(_line(v))
        typer.echo(f"  {v.url}")
        for signal in v.signals:
            typer.echo(f"  tín hiệu {signal['name']} ({signal['weight']:.2f}): {_evidence(signal)}")
        if v.response:
            typer.echo(f"  trả lời: {v.response.get('text')} {v.response.get('link')}")
        for event in v.events:
            typer.echo(
                f"  {event['at'][:16]} {event['actor']}: {event['action']}"
                f"{' -> ' + event['status'] if event['status'] else ''}"
                f"{'  ' + event['note'] if event['note'] else ''}"
            )


def _evidence(signal: dict[str, Any]) -> str:
    evidence = signal.get("evidence") or {}
    if signal["name"] == "contradicts_fact":
        return f"«{evidence.get('sentence')}» ≠ «{evidence.get('statement')}»"
    if isinstance(evidence, dict) and "matches" in evidence:
        return ", ".join(m.get("text", "") for m in evidence["matches"][:5])
    return json.dumps(evidence, ensure_ascii=False)


def _done(message: str) -> None:
    typer.echo(message)


@triage_app.command("assign")
@friendly
def triage_assign(
    flag_id: int = typer.Argument(..., metavar="ID"),
    user: str = typer.Argument(..., metavar="USER"),
    by: str | None = typer.Option(None, "--by", help="who assigns (default: USER)"),
) -> None:
    """Assign a flag to a user. Example: haidang triage assign 12 lan --by minh"""
    from pipeline.triage import assign

    with _session() as session:
        assign(session, flag_id, user, by=by or user)
    _done(f"flag {flag_id} assigned to {user}")


@triage_app.command("note")
@friendly
def triage_note(
    flag_id: int = typer.Argument(..., metavar="ID"),
    text: str = typer.Argument(..., metavar="TEXT"),
    by: str = typer.Option(..., "--by", help="user name"),
) -> None:
    """Add a note. Example: haidang triage note 12 "Đã liên hệ tòa soạn" --by lan"""
    from pipeline.triage import add_note

    with _session() as session:
        add_note(session, flag_id, text, by=by)
    _done(f"note added to flag {flag_id}")


@triage_app.command("set-status")
@friendly
def triage_set_status(
    flag_id: int = typer.Argument(..., metavar="ID"),
    status: str = typer.Argument(..., metavar="STATUS"),
    note: str = typer.Option("", "--note", help="why"),
    by: str = typer.Option(..., "--by", help="user name"),
) -> None:
    """Change a flag's status. Example: haidang triage set-status 12 dismissed --note "Đúng sự thật" --by lan"""
    from pipeline.triage import set_status

    with _session() as session:
        event = set_status(session, flag_id, status, by=by, note=note)
    _done(f"flag {flag_id} is now {event.status}")


@triage_app.command("respond")
@friendly
def triage_respond(
    flag_id: int = typer.Argument(..., metavar="ID"),
    text: str = typer.Option(..., "--text", help="the official information given"),
    link: str = typer.Option("", "--link", help="published statement or press release"),
    channel: str = typer.Option("", "--channel", help="e.g. họp báo, cổng thông tin, thông cáo"),
    on: str | None = typer.Option(None, "--date", help="YYYY-MM-DD (default: today)"),
    label: str = typer.Option("misleading", "--label", help="misleading or fake (for retraining)"),
    note: str = typer.Option("", "--note"),
    by: str = typer.Option(..., "--by", help="user name"),
) -> None:
    """Record the official answer; the flag becomes responded.

    Example: haidang triage respond 12 --text "Bờ biển dài 192 km" --link https://binhthuan.gov.vn/tb/1 --by lan
    """
    from pipeline.triage import respond

    when: date | None = None
    if on:
        try:
            when = date.fromisoformat(on)
        except ValueError:
            raise UserError(f"--date {on!r}: expected YYYY-MM-DD") from None
    with _session() as session:
        respond(
            session, flag_id, by=by, text=text, link=link, channel=channel, on=when, label=label, note=note
        )
    _done(f"flag {flag_id} responded")


@triage_app.command("export-decisions")
@friendly
def triage_export(
    out: Path = typer.Argument(..., metavar="FILE.jsonl"),
) -> None:
    """Write decided flags as labelled JSON lines (dismissed -> real, responded -> its label).

    Example: haidang triage export-decisions decisions.jsonl && haidang train risk --data decisions.jsonl --data nlp/data/risk_train.jsonl --out models
    """
    from pipeline.triage import export_decisions

    with _session() as session:
        records = export_decisions(session)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    _done(f"wrote {len(records)} decisions to {out} ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")


def register(app: typer.Typer) -> None:
    app.add_typer(triage_app, name="triage")
