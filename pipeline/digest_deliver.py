"""Save a digest under ``data/digests/`` in every format, and e-mail it."""

from __future__ import annotations

from pathlib import Path

from config.schema import Config
from pipeline.digest import Digest
from pipeline.digest_render import CHART_CID, DigestFormat, chart_png, render, render_text
from pipeline.mailer import Outbox, SendReport, build_message, deliver

DEFAULT_DIR = Path("data") / "digests"


def save_digest(digest: Digest, directory: Path = DEFAULT_DIR) -> list[Path]:
    """Write ``YYYY-MM-DD.html|md|txt`` and the chart; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = digest.day.isoformat()
    paths = []
    chart = directory / f"{stem}.png"
    chart.write_bytes(chart_png(digest))
    paths.append(chart)
    for fmt in DigestFormat:
        text = render(digest, fmt)
        if fmt is DigestFormat.HTML:
            # The saved copy points at the PNG beside it; the e-mail uses a Content-ID.
            text = text.replace(f"cid:{CHART_CID}", chart.name)
        path = directory / f"{stem}.{fmt.value}"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def send_digest(config: Config, digest: Digest, outbox: Outbox | None = None) -> SendReport:
    mail = config.schedule.mail
    if not mail.digest_to:
        return SendReport(sent=0, pending=0, errors=("no digest_to recipients in schedule.yaml",))
    message = build_message(
        mail,
        mail.digest_to,
        f"[Hải Đăng] Bản tin ngày {digest.day:%d/%m/%Y}: {digest.total} tin",
        render_text(digest),
        html=render(digest, DigestFormat.HTML),
        inline_png=(CHART_CID, chart_png(digest)),
    )
    return deliver(mail, message, outbox)
