"""``haidang analyze``: the batch-analysis contract (issue 2, item 6), through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

REPO = Path(__file__).resolve().parent.parent
HAIDANG = Path(sys.executable).parent / "haidang"

ITEMS = [
    {
        "id": "a",
        "title": "Ngư dân Phan Thiết bám biển Hoàng Sa",
        "text": "Tàu cá vươn khơi.",
        "source": "baobinhthuan",
    },
    {
        "id": "b",
        "title": "Kết quả xổ số Bình Thuận hôm nay",
        "text": "XSBTh: giải đặc biệt 123456.",
        "date": "2025-11-20",
    },
    {
        "id": "c",
        "title": "",
        "text": "Vietnam protests Chinese survey ship near the Spratly Islands.",
        "lang": "en",
    },
    {
        "id": "d",
        "title": "Cháy nhà ở phường Bình Thuận, quận 7",
        "text": "Vụ cháy ở phường Bình Thuận (Quận 7, TP.HCM).",
        "url": None,
    },
]


def _jsonl(rows: Sequence[object]) -> str:
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows
    )


def _check_shape(row: dict[str, object]) -> None:
    assert set(row) == {"id", "lang", "province", "topics", "foreign_parties", "risk"}
    province = row["province"]
    assert isinstance(province, dict) and set(province) == {"relevant", "places"}
    assert isinstance(province["relevant"], bool) and isinstance(province["places"], list)
    topics = row["topics"]
    assert isinstance(topics, list)
    for topic in topics:
        assert set(topic) == {"id", "score", "evidence"}
        assert 0.0 <= topic["score"] <= 1.0 and isinstance(topic["evidence"], list)
    risk = row["risk"]
    assert isinstance(risk, dict) and set(risk) == {"score", "model_score", "flagged", "signals"}
    assert 0.0 <= risk["score"] <= 1.0 and isinstance(risk["flagged"], bool)
    assert risk["model_score"] is None or 0.0 <= risk["model_score"] <= 1.0
    for signal in risk["signals"]:
        assert set(signal) == {"name", "weight", "evidence"}


def test_contract_one_line_per_input_in_order(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text(_jsonl(ITEMS), encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(path)])
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c", "d"]
    for row in rows:
        _check_shape(row)
    by_id = {r["id"]: r for r in rows}
    assert by_id["a"]["province"] == {"relevant": True, "places": ["Phan Thiết"]}
    assert "bien_dao" in [t["id"] for t in by_id["a"]["topics"]]
    assert by_id["b"]["province"]["relevant"] is False
    assert by_id["c"]["lang"] == "en" and "bien_dao" in [t["id"] for t in by_id["c"]["topics"]]
    assert by_id["d"]["province"]["relevant"] is False


def test_malformed_lines_are_reported_and_the_rest_processed(tmp_path: Path) -> None:
    rows: list[object] = [
        ITEMS[0],
        "{not json",
        {"id": 7, "text": "số không phải chuỗi"},
        "",
        {"id": "no-text", "title": "Chỉ có tiêu đề"},
        ["a", "list"],
        {"id": "bad-type", "text": "x", "lang": 5},
        {"id": "empty", "title": " ", "text": ""},
        ITEMS[2],
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text(_jsonl(rows), encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(path)])
    assert result.exit_code == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a", "c"]
    errors = result.stderr
    assert "line 2: not valid JSON" in errors
    assert 'line 3: "id" is required' in errors
    assert "line 4" not in errors  # a blank line is skipped, not an error
    assert "line 5: item 'no-text': \"text\" is required" in errors
    assert "line 6: expected a JSON object" in errors
    assert "line 7: item 'bad-type': \"lang\" must be a string" in errors
    assert "line 8: item 'empty': both title and text are empty" in errors


def test_reads_stdin_when_no_file() -> None:
    result = CliRunner().invoke(app, ["analyze"], input=_jsonl(ITEMS[:2]))
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a", "b"]


def test_missing_file_and_models_dir_are_user_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["analyze", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "cannot read" in result.stderr
    result = CliRunner().invoke(app, ["analyze", "--models", str(tmp_path / "nomodels")], input="")
    assert result.exit_code == 2 and "no such directory" in result.stderr


def test_models_dir_without_models_falls_back_to_shipped(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["analyze", "--models", str(tmp_path)], input=_jsonl(ITEMS[:1])
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["province"]["relevant"] is True


@pytest.mark.skipif(
    not HAIDANG.exists(), reason="the haidang console script is not installed in this venv"
)
def test_real_entry_point_over_stdin() -> None:
    proc = subprocess.run(
        [str(HAIDANG), "analyze"],
        input=_jsonl([ITEMS[0], "oops", ITEMS[1]]),
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1
    assert [json.loads(line)["id"] for line in proc.stdout.splitlines()] == ["a", "b"]
    assert "line 2: not valid JSON" in proc.stderr
    assert "Traceback" not in proc.stderr
