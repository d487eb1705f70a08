"""Held-out facts check: items that contradict facts of an office's own facts.yaml are
flagged with the fact as evidence; items that agree with them are not.

The facts and items here are not in the shipped configuration, so the rules cannot
have been tuned on them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load_config
from nlp.risk import RiskAssessor

FACTS = """
facts:
  - id: cang_ca_la_gi
    subject: Công suất cảng cá La Gi
    keywords: [cảng cá La Gi]
    statement: Cảng cá La Gi tiếp nhận tàu đến 400 CV; sản lượng hàng hóa qua cảng khoảng 40.000 tấn mỗi năm.
    numbers: [{value: 40000, unit: tan, tolerance: 0.1, near: [sản lượng, hàng hóa, qua cảng]}]
    source: Thông cáo của Ban quản lý cảng cá (kiểm thử)
    date: 2026-05-04
  - id: le_hoi_nghinh_ong
    subject: Lễ hội Nghinh Ông Phan Thiết
    keywords: [Nghinh Ông]
    context: [Phan Thiết, Bình Thuận]
    statement: Lễ hội Nghinh Ông vẫn được tổ chức hằng năm theo đúng nghi thức truyền thống.
    affirm: [được tổ chức, vẫn tổ chức, diễn ra]
    reverse: [bị cấm tổ chức, bị hủy bỏ vĩnh viễn, bị xóa sổ]
    source: Kế hoạch tổ chức lễ hội của UBND phường (kiểm thử)
    date: 2026-06-01
  - id: cao_toc_phan_thiet
    subject: Chiều dài cao tốc Phan Thiết – Dầu Giây
    keywords: [cao tốc Phan Thiết – Dầu Giây, cao tốc Phan Thiết - Dầu Giây, cao tốc Dầu Giây – Phan Thiết]
    statement: Cao tốc Phan Thiết – Dầu Giây dài khoảng 99 km.
    numbers: [{value: 99, unit: km, tolerance: 0.05, near: [dài, chiều dài, tuyến]}]
    source: Bộ Xây dựng, thông tin dự án (kiểm thử)
    date: 2023-04-29
"""

CONTRADICTING = [
    ("Cảng cá La Gi ế ẩm", "Năm nay sản lượng hàng hóa qua cảng cá La Gi chỉ còn 5.000 tấn.", "cang_ca_la_gi", "number"),
    ("Tin đồn về lễ hội", "Lễ hội Nghinh Ông ở Phan Thiết năm nay bị cấm tổ chức.", "le_hoi_nghinh_ong", "reversal"),
    ("Lễ hội biển", "Nghe nói lễ hội Nghinh Ông ở Phan Thiết sẽ không được tổ chức nữa.", "le_hoi_nghinh_ong", "negation"),
    ("Giao thông", "Tuyến cao tốc Phan Thiết – Dầu Giây dài tới 150 km.", "cao_toc_phan_thiet", "number"),
]

AGREEING = [
    ("Cảng cá La Gi nhộn nhịp", "Theo ban quản lý, sản lượng hàng hóa qua cảng cá La Gi đạt khoảng 41.000 tấn."),
    ("Lễ hội Nghinh Ông", "Lễ hội Nghinh Ông ở Phan Thiết được tổ chức trang trọng với hàng nghìn người tham dự."),
    ("Lễ hội Nghinh Ông", "Lễ hội Nghinh Ông ở Phan Thiết không bị cấm tổ chức, ban tổ chức cho biết."),
    ("Giao thông", "Cao tốc Phan Thiết – Dầu Giây dài 99 km giúp rút ngắn thời gian di chuyển."),
    ("Giao thông", "Cao tốc Phan Thiết – Dầu Giây dài hơn 90 km."),
]


@pytest.fixture(scope="module")
def assessor(tmp_path_factory: pytest.TempPathFactory) -> RiskAssessor:
    folder: Path = tmp_path_factory.mktemp("office")
    (folder / "facts.yaml").write_text(FACTS, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HAIDANG_CONFIG_DIR", str(folder))
        config = load_config()
    assert {f.id for f in config.facts} == {"cang_ca_la_gi", "le_hoi_nghinh_ong", "cao_toc_phan_thiet"}
    return RiskAssessor(config)


@pytest.mark.parametrize(("title", "text", "fact_id", "kind"), CONTRADICTING)
def test_contradictions_are_flagged_with_the_fact(
    assessor: RiskAssessor, title: str, text: str, fact_id: str, kind: str
) -> None:
    risk = assessor.assess(title, text, [], source_tier=1)
    assert risk.flagged, risk
    signals = [s for s in risk.signals if s.name == "contradicts_fact"]
    assert [s.evidence["fact_id"] for s in signals] == [fact_id]
    evidence = signals[0].evidence
    assert evidence["kind"] == kind
    assert evidence["sentence"] == text
    fact = next(f for f in assessor.config.facts if f.id == fact_id)
    assert (evidence["statement"], evidence["source"]) == (fact.statement, fact.source)


@pytest.mark.parametrize(("title", "text"), AGREEING)
def test_agreements_are_not_flagged(assessor: RiskAssessor, title: str, text: str) -> None:
    risk = assessor.assess(title, text, [], source_tier=1)
    assert not any(s.name == "contradicts_fact" for s in risk.signals), risk.signals
    assert not risk.flagged
