"""E-mail goes through a real SMTP server on loopback; a failed send waits in the outbox."""

from __future__ import annotations

from pathlib import Path

from config.schema import MailSettings
from pipeline.mailer import Outbox, build_message, deliver
from tests.smtp_server import free_port, smtp_server


def _settings(port: int, **kw: object) -> MailSettings:
    return MailSettings(
        enabled=True,
        smtp_host="127.0.0.1",
        smtp_port=port,
        sender="hd@localhost",
        digest_to=["canbo@localhost"],
        retry_delay_seconds=0,
        **kw,
    )  # type: ignore[arg-type]


def test_html_mail_with_inline_chart_is_delivered(tmp_path: Path) -> None:
    with smtp_server() as (inbox, port):
        settings = _settings(port)
        msg = build_message(
            settings,
            ["canbo@localhost"],
            "Bản tin",
            "chữ thường",
            html='<img src="cid:c1"><p>Xin chào</p>',
            inline_png=("c1", b"\x89PNG fake"),
        )
        report = deliver(settings, msg, Outbox(tmp_path))
    assert report.sent == 1 and report.pending == 0
    [got] = inbox.messages
    assert got["Subject"] == "Bản tin"
    types = [part.get_content_type() for part in got.walk()]
    assert "text/plain" in types and "text/html" in types and "image/png" in types
    image = next(p for p in got.walk() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<c1>"
    assert len(list((tmp_path / "sent").glob("*.eml"))) == 1


def test_failed_send_is_kept_and_retried_later(tmp_path: Path) -> None:
    dead_port = free_port()  # nothing listens here
    outbox = Outbox(tmp_path)
    settings = _settings(dead_port, retries=1)
    report = deliver(settings, build_message(settings, ["a@localhost"], "S", "t"), outbox)
    assert report.sent == 0 and report.pending == 1
    assert "ConnectionRefusedError" in report.errors[0]
    [pending] = outbox.waiting()
    assert "ConnectionRefusedError" in pending.with_suffix(".error").read_text()
    with smtp_server() as (inbox, port):
        again = outbox.flush(_settings(port))
    assert again.sent == 1 and again.pending == 0 and len(inbox.messages) == 1
    assert not pending.with_suffix(".error").exists()


def test_disabled_mail_waits_in_outbox(tmp_path: Path) -> None:
    settings = MailSettings(enabled=False)
    report = deliver(settings, build_message(settings, ["a@localhost"], "S", "t"), Outbox(tmp_path))
    assert report.sent == 0 and report.pending == 1
