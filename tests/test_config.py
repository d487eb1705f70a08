"""Configuration: the shipped files are valid; a bad file is reported with file and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from config import ConfigError, load_config
from pipeline.cli import app

runner = CliRunner()


def test_shipped_config_is_valid() -> None:
    config = load_config()
    assert config.schedule.timezone == "Asia/Ho_Chi_Minh"
    kinds = {s.kind.value for s in config.sources}
    assert {"provincial_press", "national_press", "foreign_press", "government"} <= kinds
    assert {s.type.value for s in config.sources} >= {"rss", "listing", "sitemap", "page"}


def test_overlay_takes_only_the_files_present(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sources.yaml").write_text(
        "sources:\n"
        "  - {id: one, name: Một, type: rss, url: 'http://127.0.0.1/rss', kind: blog, lang: vi, tier: 5}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HAIDANG_CONFIG_DIR", str(tmp_path))
    config = load_config()
    assert [s.id for s in config.sources] == ["one"]
    assert config.topics, "topics.yaml must still come from the shipped defaults"


def test_bad_values_name_file_and_field(config_problems: Callable[[str, str], str]) -> None:
    text = config_problems(
        "sources.yaml",
        "sources:\n"
        "  - {id: ok_id, name: X, type: rss2, url: 'ftp://x', kind: blog, lang: vi, tier: 9}\n",
    )
    assert "sources.yaml: sources[0] (id=ok_id).type" in text
    assert "sources[0] (id=ok_id).url: Value error, expected an http" in text
    assert "sources[0] (id=ok_id).tier" in text


def test_duplicate_source_ids_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    row = "  - {id: same, name: X, type: rss, url: 'http://a/', kind: blog, lang: vi, tier: 3}\n"
    (tmp_path / "sources.yaml").write_text("sources:\n" + row + row, encoding="utf-8")
    monkeypatch.setenv("HAIDANG_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="used twice"):
        load_config()


def test_unknown_key_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "schedule.yaml").write_text(
        "timezone: Asia/Ho_Chi_Minh\ncrawl: {user_agent: 'HaiDang test agent', delay: 3}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HAIDANG_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match=r"schedule.yaml: crawl.delay: Extra inputs"):
        load_config()


def test_a_term_without_a_word_is_an_error(config_problems: Callable[[str, str], str]) -> None:
    # It would otherwise pass the check and stop every analysis at start-up.
    text = config_problems(
        "topics.yaml",
        "topics:\n  - {id: bien, name: Biển, plan: '§1', strong: {vi: [Hoàng Sa, '...']}}\n"
        "parties:\n  foreign: {en: ['-']}\n",
    )
    assert "topics.yaml: topics[0] (id=bien).strong.vi[1]: Value error, '...' has no letter" in text
    assert "topics.yaml: parties.foreign.en[0]" in text


def test_yaml_syntax_error_gives_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "topics.yaml").write_text("topics:\n  - id: x\n   name: [\n", encoding="utf-8")
    monkeypatch.setenv("HAIDANG_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match=r"topics.yaml: line \d+, column \d+: not valid YAML"):
        load_config()


def test_config_check_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok = runner.invoke(app, ["config", "check"])
    assert ok.exit_code == 0, ok.output
    assert "ok:" in ok.output
    (tmp_path / "schedule.yaml").write_text("timezone: Mars/Base\ncrawl: {user_agent: 'HaiDang agent'}\n")
    monkeypatch.setenv("HAIDANG_CONFIG_DIR", str(tmp_path))
    bad = runner.invoke(app, ["config", "check"])
    assert bad.exit_code == 1
    assert "schedule.yaml: timezone: Value error, unknown time zone 'Mars/Base'" in bad.output
    assert "Traceback" not in bad.output


def test_shipped_topics_follow_topics_md_order() -> None:
    # The digest, the web and the report show sections in topics.yaml order.
    from nlp.topic_model import TOPIC_IDS

    assert tuple(t.id for t in load_config().topics) == TOPIC_IDS
