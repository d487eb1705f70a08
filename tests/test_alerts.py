"""Coverage alerts use a Poisson test against the trailing mean, and alert once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from config import load_config
from pipeline.alerts import find_alerts, send_alerts, spike_p_value
from pipeline.mailer import Outbox
from tests.conftest import Database
from tests.seed import add_article, add_source
from tests.smtp_server import smtp_server

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 16:00 in Vietnam


def test_poisson_judges_small_counts_sensibly() -> None:
    assert spike_p_value(6, 1.2) < 0.01  # 6 where ~1 is usual: a spike
    assert spike_p_value(60, 50.0) > 0.05  # 60 where 50 is usual: ordinary
    assert spike_p_value(3, 2.0) > 0.05
    assert spike_p_value(1, 0.0) > 0.01  # a quiet topic's first item is no alarm


def _seed(db: Database) -> None:
    with db.session() as session:
        add_source(session, "vne", "VnExpress")
        for day in range(1, 15):
            when = NOW - timedelta(days=day)
            add_article(session, "vne", f"Biển đảo ngày {day}", when, ("bien_dao",))
            for k in range(10):
                add_article(session, "vne", f"Du lịch {day}-{k}", when, ("van_hoa_du_lich",))
        for k in range(7):
            add_article(
                session,
                "vne",
                f"Tàu lạ gần Trường Sa {k}",
                NOW - timedelta(hours=k),
                ("bien_dao",),
                province=(k < 5),
            )
        for k in range(12):
            add_article(
                session, "vne", f"Lễ hội {k}", NOW - timedelta(hours=k % 6), ("van_hoa_du_lich",)
            )
        session.commit()


def test_spike_alerts_once_and_mail_names_the_items(db: Database, tmp_path: Path) -> None:
    _seed(db)
    config = load_config()
    with smtp_server() as (inbox, port):
        mail = config.schedule.mail.model_copy(
            update={"enabled": True, "smtp_port": port, "alerts_to": ["phatngon@localhost"]}
        )
        config = config.model_copy(
            update={"schedule": config.schedule.model_copy(update={"mail": mail})}
        )
        with db.session() as session:
            events = find_alerts(session, config, NOW)
            keys = sorted(e.key for e in events)
            assert keys == ["spike:bien_dao:2026-11-20", "spike:province:2026-11-20"]
            assert send_alerts(session, config, events, NOW, Outbox(tmp_path)) == 2
            # The same events, found again later, do not alert again.
            assert find_alerts(session, config, NOW + timedelta(minutes=30)) == []
            assert send_alerts(session, config, events, NOW, Outbox(tmp_path)) == 0
    subjects = sorted(str(m["Subject"]) for m in inbox.messages)
    assert len(subjects) == 2
    assert any("Biển, đảo" in s or "bien_dao" in s for s in subjects)
    body = (
        next(m for m in inbox.messages if "7 tin" in m["Subject"])
        .get_body(("plain",))
        .get_content()
    )
    assert "Tàu lạ gần Trường Sa" in body
