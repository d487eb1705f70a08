"""``haidang search``, ``export`` and ``saved`` through the real entry point."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.conftest import Database
from tests.search_corpus import seed

runner = CliRunner()


@pytest.fixture
def corpus(db: Database) -> dict[str, int]:
    with db.session() as session:
        ids = seed(session)
        session.commit()
    return ids


def test_search_prints_hits(db: Database, corpus: dict[str, int]) -> None:
    result = runner.invoke(app, ["search", "dao hoang sa", "--sort", "date"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 matches")
    assert "Đảo Hoàng Sa là của Việt Nam" in result.output
    assert "2026-03-04 06:30 (UTC+7)" in result.output


def test_search_json_with_filters_facets_series(db: Database, corpus: dict[str, int]) -> None:
    result = runner.invoke(
        app,
        ["search", "binh thuan", "--province", "--source", "vne", "--from", "2026-03-02",
         "--to", "2026-03-31", "--facets", "--series", "week", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 2
    assert {h["article_id"] for h in data["hits"]} == {corpus["ngu_dan"], corpus["thanh_long"]}
    assert ["Bình", True] in data["hits"][0]["title_segments"]
    assert data["facets"]["sources"] == [["vne", 2]]
    assert data["series"] == [["2026-03-02", 1], ["2026-03-09", 1], ["2026-03-16", 0], ["2026-03-23", 0], ["2026-03-30", 0]]


@pytest.mark.parametrize(
    "args, message",
    [
        (["search", '"hoang sa'], "bad query: Thiếu dấu ngoặc kép"),
        (["search", "--", "-du"], "bad query"),  # "--": a query may start with "-"
        (["search", "x", "--from", "31/03/2026"], "--from '31/03/2026': expected a date"),
        (["export", "(x", "--format", "csv"], "bad query"),
    ],
)
def test_user_mistakes_are_one_line(db: Database, corpus: dict[str, int], args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_export_csv_to_stdout_and_jsonl_to_file(db: Database, corpus: dict[str, int], tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["export", "phan thiet", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["source_id"] for r in rows} == {"vne", "fb"} and len(rows) == 3
    out = tmp_path / "x.jsonl"
    result = runner.invoke(app, ["export", "", "--format", "jsonl", "--topic", "bien_dao", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3


def test_saved_add_list_check(db: Database, corpus: dict[str, int]) -> None:
    assert runner.invoke(app, ["saved", "add", "bt", "binh thuan", "--alert", "--province"]).exit_code == 0
    again = runner.invoke(app, ["saved", "add", "bt", "x"])
    assert again.exit_code == 2 and "bt" in again.output
    listed = json.loads(runner.invoke(app, ["saved", "list", "--json"]).output)
    assert listed[0]["name"] == "bt" and listed[0]["filters"] == {"province": True}
    result = runner.invoke(app, ["saved", "check"])
    assert result.exit_code == 0 and "no new matches" in result.output
