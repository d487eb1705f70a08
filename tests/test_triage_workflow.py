"""Triage workflow on both engines: flags from analysis, derived status, append-only events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import load_config
from nlp.records import Analysis, ProvinceMatch, Risk, Signal, TopicScore
from nlp.risk import RiskRules
from pipeline import triage
from pipeline.triage import FlagStatus, TriageError
from storage.models import Article, Flag, FlagEvent, User
from tests.conftest import Database
from tests.seed import add_article, add_source

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _users(session: Session, *names: str) -> None:
    for name in names:
        session.add(User(name=name, role="spokesperson", password_hash="x", created_at=NOW))
    session.flush()


def _analysis(score: float, topics: tuple[str, ...] = (), flagged: bool | None = None) -> Analysis:
    signal = Signal(name="sensational", weight=score, evidence={"matches": []})
    return Analysis(
        lang="vi",
        province=ProvinceMatch(relevant=True),
        topics=tuple(TopicScore(id=t, score=1.0) for t in topics),
        risk=Risk(score=score, flagged=score >= 0.5 if flagged is None else flagged, signals=(signal,)),
    )


@pytest.fixture
def session(db: Database):  # type: ignore[no-untyped-def]
    with db.session() as session:
        add_source(session, "blog", "Blog", tier=5, kind="blog")
        add_source(session, "vnx", "VnExpress", tier=1)
        _users(session, "lan", "minh")
        session.commit()
        yield session


def _flag(session: Session, title: str = "Tin đồn", score: float = 0.7, topics: tuple[str, ...] = ()) -> Flag:
    article = add_article(session, "blog", title, NOW - timedelta(hours=1))
    flag = triage.ensure_flag(session, article, _analysis(score, topics), NOW, config=load_config())
    assert flag is not None
    session.commit()
    return flag


def _event_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(FlagEvent)) or 0


# --- creating flags ------------------------------------------------------------------


def test_flag_created_only_when_flagged_and_only_once(session: Session) -> None:
    config = load_config()
    calm = add_article(session, "blog", "Tin bình thường", NOW)
    assert triage.ensure_flag(session, calm, _analysis(0.2), NOW, config=config) is None
    article = add_article(session, "blog", "Tin giật gân", NOW)
    first = triage.ensure_flag(session, article, _analysis(0.7), NOW, config=config)
    second = triage.ensure_flag(session, article, _analysis(0.7), NOW + timedelta(hours=2), config=config)
    session.commit()
    assert first is not None and second is not None and first.id == second.id
    assert session.scalar(select(func.count()).select_from(Flag)) == 1
    view = triage.view(first, NOW)
    assert view.status is FlagStatus.NEW
    assert [e["action"] for e in view.events] == ["created"]
    assert view.signals[0]["name"] == "sensational"


def test_reanalysis_with_another_score_is_recorded_not_duplicated(session: Session) -> None:
    flag = _flag(session, score=0.7)
    triage.ensure_flag(session, flag.article, _analysis(0.9), NOW + timedelta(hours=1), config=load_config())
    session.commit()
    view = triage.view(triage.get_flag(session, flag.id), NOW)
    assert view.score == pytest.approx(0.9)
    assert [e["action"] for e in view.events] == ["created", "reanalysed"]
    assert view.events[1]["data"]["old_score"] == pytest.approx(0.7)
    assert view.status is FlagStatus.NEW


def test_severity_sets_the_deadline_and_sensitive_topics_raise_it(session: Session) -> None:
    deadlines = load_config().risk.deadlines_hours
    low = _flag(session, "Tin một", score=0.55)
    sensitive = _flag(session, "Tin hai", score=0.55, topics=("bien_dao",))
    high = _flag(session, "Tin ba", score=0.9)
    assert (low.severity, sensitive.severity, high.severity) == ("low", "medium", "high")
    assert low.score == sensitive.score  # priority, not truth
    assert high.due_at == NOW + timedelta(hours=deadlines["high"])  # type: ignore[index]
    assert low.due_at == NOW + timedelta(hours=deadlines["low"])  # type: ignore[index]


def test_overdue_flags_until_closed(session: Session) -> None:
    flag = _flag(session, score=0.9)
    later = flag.due_at + timedelta(minutes=1) if flag.due_at else NOW
    assert [v.id for v in triage.overdue_flags(session, later)] == [flag.id]
    assert triage.overdue_flags(session, NOW) == []
    triage.set_status(session, flag.id, "reviewing", by="lan", now=NOW)
    triage.set_status(session, flag.id, "dismissed", by="lan", note="Đúng sự thật", now=NOW)
    session.commit()
    assert triage.overdue_flags(session, later) == []


def test_real_risk_from_the_rules_creates_a_flag_with_evidence(session: Session) -> None:
    config = load_config()
    rules = RiskRules(config.risk, config.facts)
    text = "Bài viết khẳng định quần đảo Hoàng Sa thuộc Trung Quốc."
    article = add_article(session, "blog", "Hoàng Sa", NOW, text=text)
    analysis = Analysis(
        lang="vi", province=ProvinceMatch(relevant=False),
        topics=(TopicScore(id="bien_dao", score=1.0),), risk=rules.assess("Hoàng Sa", text, source_tier=5),
    )
    flag = triage.ensure_flag(session, article, analysis, NOW, config=config)
    assert flag is not None
    fact = next(s for s in flag.signals if s["name"] == "contradicts_fact")
    assert fact["evidence"]["fact_id"] == "chu_quyen_hoang_sa"
    assert flag.severity in {"medium", "high"}


# --- corroboration --------------------------------------------------------------------


def test_corroboration_lookup_uses_the_story_cluster(session: Session) -> None:
    config = load_config()
    lone = add_article(session, "blog", "Tin lẻ", NOW, cluster_id=1)
    assert triage.is_corroborated(session, lone, config.risk) is False
    add_article(session, "vnx", "Cùng câu chuyện", NOW + timedelta(hours=3), cluster_id=1)
    assert triage.is_corroborated(session, lone, config.risk) is True
    far = add_article(session, "blog", "Tin cũ", NOW - timedelta(days=10), cluster_id=1)
    assert triage.is_corroborated(session, far, config.risk) is False
    unclustered = add_article(session, "blog", "Chưa gom", NOW)
    assert triage.is_corroborated(session, unclustered, config.risk) is None


def test_uncorroborated_signal_can_tip_a_flag(session: Session) -> None:
    config = load_config()
    article = add_article(session, "blog", "Chỉ blog này đưa", NOW, cluster_id=7)
    analysis = _analysis(0.45, flagged=False)
    flag = triage.ensure_flag(session, article, analysis, NOW, config=config)
    assert flag is not None
    assert {s["name"] for s in flag.signals} == {"sensational", "uncorroborated"}
    assert flag.score > 0.5


# --- workflow ---------------------------------------------------------------------------


def test_full_workflow_and_history(session: Session) -> None:
    flag = _flag(session)
    triage.assign(session, flag.id, "minh", by="lan", now=NOW)
    triage.set_status(session, flag.id, "reviewing", by="minh", now=NOW)
    triage.add_note(session, flag.id, "Đã liên hệ Sở Nông nghiệp", by="minh", now=NOW)
    triage.set_status(session, flag.id, "needs_response", by="minh", note="Cần thông cáo", now=NOW)
    triage.respond(
        session, flag.id, by="lan", text="Xuất khẩu thanh long tăng 6,4%.",
        link="https://binhthuan.gov.vn/thong-cao/1", channel="thông cáo báo chí",
        on=date(2026, 11, 21), label="fake", now=NOW,
    )
    session.commit()
    view = triage.view(triage.get_flag(session, flag.id), NOW)
    assert view.status is FlagStatus.RESPONDED
    assert view.assignee == "minh"
    assert view.response is not None
    assert view.response["link"] == "https://binhthuan.gov.vn/thong-cao/1"
    assert view.response["date"] == "2026-11-21"
    assert [(e["actor"], e["action"], e["status"]) for e in view.events] == [
        ("system", "created", "new"),
        ("lan", "assign", None),
        ("minh", "status", "reviewing"),
        ("minh", "note", None),
        ("minh", "status", "needs_response"),
        ("lan", "respond", "responded"),
    ]
    triage.set_status(session, flag.id, "reopened", by="lan", now=NOW)
    triage.set_status(session, flag.id, "reviewing", by="lan", now=NOW)
    session.commit()
    assert triage.current_status(triage.get_flag(session, flag.id)) is FlagStatus.REVIEWING


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda s, f: triage.set_status(s, f, "responded", by="lan"), "needs the official information"),
        (lambda s, f: triage.set_status(s, f, "dismissed", by="lan"), "cannot go from new to dismissed"),
        (lambda s, f: triage.set_status(s, f, "done", by="lan"), "unknown status 'done'"),
        (lambda s, f: triage.set_status(s, f, "reviewing", by="ghost"), "user 'ghost' does not exist"),
        (lambda s, f: triage.assign(s, f, "ghost", by="lan"), "user 'ghost' does not exist"),
        (lambda s, f: triage.respond(s, f, by="lan", text="Trả lời"), "cannot record a response while new"),
        (lambda s, f: triage.set_status(s, 99999, "reviewing", by="lan"), "flag 99999 does not exist"),
        (lambda s, f: triage.add_note(s, f, "  ", by="lan"), "needs some text"),
    ],
)
def test_bad_actions_fail_clearly_and_change_nothing(session: Session, action, message: str) -> None:  # type: ignore[no-untyped-def]
    flag = _flag(session)
    before = _event_count(session)
    with pytest.raises(TriageError, match=message):
        action(session, flag.id)
    session.rollback()
    assert _event_count(session) == before
    assert triage.current_status(triage.get_flag(session, flag.id)) is FlagStatus.NEW


def test_response_needs_text_and_a_web_link(session: Session) -> None:
    flag = _flag(session)
    triage.set_status(session, flag.id, "reviewing", by="lan")
    session.commit()
    with pytest.raises(TriageError, match="needs --text"):
        triage.respond(session, flag.id, by="lan", text=" ")
    with pytest.raises(TriageError, match="http"):
        triage.respond(session, flag.id, by="lan", text="Thông tin", link="ftp://x")
    with pytest.raises(TriageError, match="--label"):
        triage.respond(session, flag.id, by="lan", text="Thông tin", label="real")
    session.rollback()
    assert triage.current_status(triage.get_flag(session, flag.id)) is FlagStatus.REVIEWING


def test_disabled_user_cannot_act(session: Session) -> None:
    flag = _flag(session)
    user = session.scalar(select(User).where(User.name == "minh"))
    assert user is not None
    user.disabled = True
    session.commit()
    with pytest.raises(TriageError, match="disabled"):
        triage.set_status(session, flag.id, "reviewing", by="minh")


def test_flag_says_when_the_article_was_edited_or_taken_down(session: Session) -> None:
    flag = _flag(session)
    article = session.get(Article, flag.article_id)
    assert article is not None
    assert not triage.view(flag, NOW).article_edited
    article.version = 2
    article.taken_down_at = NOW + timedelta(hours=5)
    session.commit()
    view = triage.view(triage.get_flag(session, flag.id), NOW)
    assert view.article_edited and view.article_version == 2
    assert view.article_taken_down_at == NOW + timedelta(hours=5)
    assert view.to_dict()["article_taken_down_at"].startswith("2026-11-20T13:00")


def test_list_filters_by_derived_status(session: Session) -> None:
    first, second = _flag(session, "Một"), _flag(session, "Hai")
    triage.set_status(session, second.id, "reviewing", by="lan")
    session.commit()
    assert [v.id for v in triage.list_flags(session, statuses=["new"])] == [first.id]
    assert [v.id for v in triage.list_flags(session, statuses=["reviewing"])] == [second.id]
    with pytest.raises(TriageError):
        triage.list_flags(session, statuses=["whatever"])


def test_export_decisions_labels(session: Session) -> None:
    dismissed, responded, open_flag = _flag(session, "Một"), _flag(session, "Hai"), _flag(session, "Ba")
    for flag in (dismissed, responded):
        triage.set_status(session, flag.id, "reviewing", by="lan")
    triage.set_status(session, dismissed.id, "dismissed", by="lan")
    triage.respond(session, responded.id, by="lan", text="Thông tin chính thức", label="fake")
    session.commit()
    records = triage.export_decisions(session)
    assert {(r["flag_id"], r["label"]) for r in records} == {(dismissed.id, "real"), (responded.id, "fake")}
    assert open_flag.id not in {r["flag_id"] for r in records}
    assert all(r["title"] and r["text"] for r in records)


def test_every_status_signal_and_severity_has_a_vietnamese_label() -> None:
    from config.schema import RiskWeights, Severity

    assert set(triage.STATUS_LABELS_VI) == {s.value for s in FlagStatus}
    assert set(triage.SIGNAL_LABELS_VI) == set(RiskWeights.model_fields)
    assert set(triage.SEVERITY_LABELS_VI) == {s.value for s in Severity}
