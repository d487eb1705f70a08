"""``haidang triage ...`` through the real entry point, on both engines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from config import load_config
from nlp.records import Analysis, ProvinceMatch, Risk, Signal
from pipeline import triage
from pipeline.cli import app
from storage.models import User
from tests.conftest import Database
from tests.seed import add_article, add_source

runner = CliRunner()


def _seed(db: Database) -> int:
    now = datetime.now(UTC)
    with db.session() as session:
        add_source(session, "blog", "Blog", tier=5, kind="blog")
        session.add(User(name="lan", role="spokesperson", password_hash="x", created_at=now))
        session.add(User(name="minh", role="officer", password_hash="x", created_at=now))
        article = add_article(
            session, "blog", "SỐC: thanh long bị bỏ hoang", now - timedelta(hours=2),
            text="Hơn 15.000 ha vườn thanh long Bình Thuận bị bỏ hoang.",
        )
        risk = Risk(score=0.8, flagged=True, signals=(Signal(name="contradicts_fact", weight=0.6, evidence={
            "sentence": "Hơn 15.000 ha vườn thanh long Bình Thuận bị bỏ hoang.",
            "statement": "Không có tình trạng bỏ hoang vườn trên diện rộng.",
        }),))
        analysis = Analysis(lang="vi", province=ProvinceMatch(relevant=True), topics=(), risk=risk)
        flag = triage.ensure_flag(session, article, analysis, now, config=load_config())
        assert flag is not None
        session.commit()
        return flag.id


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_list_show_and_workflow(db: Database, tmp_path: Path) -> None:
    flag_id = _seed(db)
    code, out = _run("triage", "list", "--json")
    assert code == 0, out
    listed = json.loads(out)
    assert [(f["id"], f["status"], f["severity"]) for f in listed] == [(flag_id, "new", "high")]

    code, out = _run("triage", "show", str(flag_id))
    assert code == 0 and "Không có tình trạng bỏ hoang" in out

    assert _run("triage", "assign", str(flag_id), "minh", "--by", "lan")[0] == 0
    assert _run("triage", "set-status", str(flag_id), "reviewing", "--note", "Đang xác minh", "--by", "minh")[0] == 0
    code, out = _run(
        "triage", "respond", str(flag_id), "--text", "Không có tình trạng bỏ hoang vườn.",
        "--link", "https://binhthuan.gov.vn/thong-cao/1", "--channel", "họp báo", "--date", "2026-11-21",
        "--label", "fake", "--by", "lan",
    )
    assert code == 0, out
    code, out = _run("triage", "show", str(flag_id), "--json")
    shown = json.loads(out)
    assert shown["status"] == "responded" and shown["assignee"] == "minh"
    assert shown["response"]["channel"] == "họp báo"
    assert [e["action"] for e in shown["events"]] == ["created", "assign", "status", "respond"]

    code, out = _run("triage", "list", "--status", "new", "--json")
    assert json.loads(out) == []

    out_file = tmp_path / "decisions.jsonl"
    code, out = _run("triage", "export-decisions", str(out_file))
    assert code == 0, out
    records = [json.loads(line) for line in out_file.read_text(encoding="utf-8").splitlines()]
    assert [(r["flag_id"], r["label"]) for r in records] == [(flag_id, "fake")]


def test_user_mistakes_exit_2_with_one_line(db: Database) -> None:
    flag_id = _seed(db)
    cases = [
        (("triage", "set-status", str(flag_id), "responded", "--by", "lan"), "respond"),
        (("triage", "set-status", str(flag_id), "closed", "--by", "lan"), "unknown status"),
        (("triage", "set-status", str(flag_id), "reviewing", "--by", "ghost"), "does not exist"),
        (("triage", "assign", str(flag_id), "ghost", "--by", "lan"), "does not exist"),
        (("triage", "show", "424242"), "flag 424242 does not exist"),
        (("triage", "list", "--status", "closed"), "unknown status"),
        (("triage", "respond", str(flag_id), "--text", "x", "--date", "hôm nay", "--by", "lan"), "YYYY-MM-DD"),
    ]
    for args, message in cases:
        code, out = _run(*args)
        assert code == 2, (args, out)
        assert message in out and "Traceback" not in out
    code, out = _run("triage", "show", str(flag_id), "--json")
    assert [e["action"] for e in json.loads(out)["events"]] == ["created"]
