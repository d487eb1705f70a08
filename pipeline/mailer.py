"""E-mail delivery with an outbox: a message is written to disk before it is sent,
so a failed send is retried later and never lost.

``data/outbox/pending/*.eml`` waits; ``data/outbox/sent/`` keeps what went out;
``*.error`` beside a pending message says why its last attempt failed.
"""

from __future__ import annotations

import logging
import os
import smtplib
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from config.schema import MailSettings

logger = logging.getLogger(__name__)

DEFAULT_OUTBOX = Path("data") / "outbox"


@dataclass(frozen=True, kw_only=True)
class SendReport:
    sent: int
    pending: int
    errors: tuple[str, ...] = ()


def build_message(
    settings: MailSettings,
    to: list[str],
    subject: str,
    text: str,
    html: str | None = None,
    inline_png: tuple[str, bytes] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> EmailMessage:
    """A multipart message: plain text, optional HTML with an inline PNG (by Content-ID)."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@haidang>"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
        if inline_png is not None:
            cid, data = inline_png
            html_part = message.get_body(("html",))
            assert isinstance(html_part, EmailMessage)  # we just added it
            html_part.add_related(data, maintype="image", subtype="png", cid=f"<{cid}>")
    for filename, mime, data in attachments or []:
        maintype, subtype = mime.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


class Outbox:
    def __init__(self, root: Path = DEFAULT_OUTBOX) -> None:
        self.pending = root / "pending"
        self.sent = root / "sent"

    def put(self, message: EmailMessage) -> Path:
        self.pending.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        path = self.pending / name
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(message.as_bytes(policy=SMTP))
        tmp.replace(path)
        return path

    def waiting(self) -> list[Path]:
        return sorted(self.pending.glob("*.eml")) if self.pending.is_dir() else []

    def flush(self, settings: MailSettings, attempts: int | None = None) -> SendReport:
        """Try to send every pending message; failures stay pending with their reason."""
        sent, errors = 0, []
        for path in self.waiting():
            error = _send_with_retries(settings, path.read_bytes(), attempts)
            if error is None:
                self.sent.mkdir(parents=True, exist_ok=True)
                path.replace(self.sent / path.name)
                path.with_suffix(".error").unlink(missing_ok=True)
                sent += 1
            else:
                path.with_suffix(".error").write_text(error, encoding="utf-8")
                errors.append(f"{path.name}: {error}")
                logger.warning("mail %s not sent: %s", path.name, error)
        return SendReport(sent=sent, pending=len(self.waiting()), errors=tuple(errors))


def _recipients(raw: bytes) -> list[str]:
    from email import message_from_bytes
    from email.utils import getaddresses

    parsed = message_from_bytes(raw)
    return [addr for _, addr in getaddresses(parsed.get_all("To", []) + parsed.get_all("Cc", []))]


def _send_with_retries(settings: MailSettings, raw: bytes, attempts: int | None) -> str | None:
    tries = (settings.retries + 1) if attempts is None else attempts
    error = "not attempted"
    for attempt in range(tries):
        try:
            _send_once(settings, raw)
            return None
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
            if attempt + 1 < tries:
                time.sleep(settings.retry_delay_seconds)
    return error


def _send_once(settings: MailSettings, raw: bytes) -> None:
    recipients = _recipients(raw)
    if not recipients:
        raise smtplib.SMTPRecipientsRefused({})
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.starttls:
            smtp.starttls()
        user = os.environ.get("HAIDANG_SMTP_USER")
        if user:
            smtp.login(user, os.environ.get("HAIDANG_SMTP_PASSWORD", ""))
        smtp.sendmail(settings.sender, recipients, raw)


def deliver(settings: MailSettings, message: EmailMessage, outbox: Outbox | None = None) -> SendReport:
    """Queue then send. With mail disabled, the message just waits in the outbox."""
    outbox = outbox or Outbox()
    outbox.put(message)
    if not settings.enabled:
        return SendReport(sent=0, pending=len(outbox.waiting()), errors=("mail is disabled in schedule.yaml",))
    return outbox.flush(settings)
