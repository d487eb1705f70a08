"""facts.yaml and risk.yaml: shipped files valid and documented; bad facts named clearly."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from config import ConfigError, load_config
from config.loader import SHIPPED_DIR
from config.schema import RiskSettings, RiskWeights

FACT = """
  - id: {id}
    subject: {subject}
    keywords: [bờ biển]
    statement: Bình Thuận có đường bờ biển dài 192 km.
    numbers: [{{value: {value}, unit: km}}]
    source: Cổng thông tin tỉnh
    date: 2024-01-15
"""


def _write_facts(folder: Path, body: str) -> None:
    (folder / "facts.yaml").write_text("facts:\n" + body, encoding="utf-8")


def test_shipped_facts_and_risk_load() -> None:
    config = load_config()
    ids = {f.id for f in config.facts}
    assert {"chu_quyen_hoang_sa", "chu_quyen_truong_sa"} <= ids
    assert any(f.numbers for f in config.facts), "some Bình Thuận facts carry numbers"
    assert 0 < config.risk.threshold <= 1
    names = {n.casefold() for n in config.risk.terminology.foreign_names.all()}
    assert {"tây sa", "nam sa", "tam sa", "xisha", "nansha", "sansha"} <= names
    assert config.risk.deadlines_hours["high"] == 24  # type: ignore[index]


def test_config_without_the_new_files_still_builds() -> None:
    from config.schema import Config

    fields = Config.model_fields
    assert fields["facts"].default == []
    assert fields["risk"].default == RiskSettings()


def test_contradictory_facts_name_file_and_both_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_facts(
        tmp_path,
        FACT.format(id="bo_bien_a", subject="Chiều dài bờ biển", value=192)
        + FACT.format(id="bo_bien_b", subject="Chiều dài  bờ biển", value=200),
    )
    monkeypatch.setenv("HAIDANG_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError) as info:
        load_config()
    text = "\n".join(info.value.problems)
    assert str(tmp_path / "facts.yaml") in text
    assert "facts[1] (id=bo_bien_b).numbers" in text and "facts[0] (id=bo_bien_a)" in text
    assert "200 km and 192 km" in text


def test_same_subject_same_number_is_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_facts(
        tmp_path,
        FACT.format(id="a", subject="Bờ biển", value=192)
        + FACT.format(id="b", subject="Bờ biển", value=192),
    )
    monkeypatch.setenv("HAIDANG_CONFIG_DIR", str(tmp_path))
    assert [f.id for f in load_config().facts] == ["a", "b"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            FACT.format(id="x", subject="Bờ biển", value=192).replace(
                "date: 2024-01-15", "date: hôm qua"
            ),
            "facts[0] (id=x).date",
        ),
        (
            FACT.format(id="x", subject="Bờ biển", value=192).replace(
                "keywords: [bờ biển]", "keywords: []"
            ),
            "facts[0] (id=x).keywords",
        ),
        (FACT.format(id="X-1", subject="Bờ biển", value=192), "facts[0] (id=X-1).id"),
        (FACT.format(id="x", subject="Bờ biển", value="nhiều"), "facts[0] (id=x).numbers[0].value"),
        (
            FACT.format(id="x", subject="Bờ biển", value=192) + "    colour: red\n",
            "facts[0] (id=x).colour",
        ),
        (
            FACT.format(id="x", subject="Aa", value=1) + FACT.format(id="x", subject="Bb", value=2),
            "used twice",
        ),
    ],
)
def test_malformed_facts_name_the_field(
    config_problems: Callable[[str, str], str], body: str, expected: str
) -> None:
    text = config_problems("facts.yaml", "facts:\n" + body)
    assert "facts.yaml" in text and expected in text


def test_bad_risk_settings_are_rejected(config_problems: Callable[[str, str], str]) -> None:
    text = config_problems("risk.yaml", "threshold: 1.5\nweights: {model: 0.3, magic: 1}\n")
    assert "risk.yaml: threshold" in text
    assert "risk.yaml: weights.magic" in text


def test_every_risk_setting_is_documented() -> None:
    """Each top-level setting and each weight appears in risk.yaml with a comment."""
    text = (SHIPPED_DIR / "risk.yaml").read_text(encoding="utf-8")
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    for name in RiskSettings.model_fields:
        assert re.search(rf"^{name}:", text, re.MULTILINE), f"risk.yaml lacks {name}"
    for weight in RiskWeights.model_fields:
        assert weight in comments, f"risk.yaml does not explain the {weight} signal"


def test_every_fact_field_is_documented() -> None:
    from config.schema import Fact

    text = (SHIPPED_DIR / "facts.yaml").read_text(encoding="utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for name in Fact.model_fields:
        assert re.search(rf"#\s+{name}\b", header) or f" {name}:" in header, (
            f"facts.yaml lacks {name}"
        )
