"""``haidang corrections export FILE.jsonl``: the spokesperson's corrections as training data."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import typer

from pipeline.errors import friendly
from storage.db import make_engine, session_factory, session_scope

logger = logging.getLogger(__name__)

corrections_app = typer.Typer(
    help="Corrections of topics and province relevance made in the web UI. "
    "Example: haidang corrections export corrections.jsonl",
    no_args_is_help=True,
)


@corrections_app.command("export")
@friendly
def export(out: Path = typer.Argument(..., metavar="FILE.jsonl")) -> None:
    """Write each corrected article (its latest correction) as a labelled record.

    The records (id, title, text, topics, province) are in the topic training format.
    Example: haidang corrections export corr.jsonl && haidang train topics --data corr.jsonl --data nlp/data/topics_train.jsonl --out models
    """
    from pipeline.corrections import export_corrections

    engine = make_engine()
    try:
        with session_scope(session_factory(engine)) as session:
            records = export_corrections(session)
    finally:
        engine.dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    typer.echo(f"wrote {len(records)} corrections to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(corrections_app, name="corrections")
