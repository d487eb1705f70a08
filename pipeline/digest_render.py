"""Render a ``Digest`` as plain text, Markdown or an HTML e-mail (inline CSS)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipeline.chart import bar_chart_png
from pipeline.digest import Digest, DigestItem

TEMPLATES = Path(__file__).resolve().parent / "templates"
CHART_CID = "digest-chart"


class DigestFormat(StrEnum):
    HTML = "html"
    MD = "md"
    TXT = "txt"


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["signed"] = lambda v: f"{v:+.1f}"
    return env


def chart_png(digest: Digest) -> bytes:
    return bar_chart_png([(s.name, s.count, s.baseline) for s in digest.sections])


def _item_line(item: DigestItem, tz: str) -> str:
    when = item.published_at.astimezone(ZoneInfo(tz)).strftime("%H:%M")
    marks = ("[tỉnh] " if item.province_relevant else "") + ("[cờ] " if item.flagged else "")
    also = f" (cùng tin: {', '.join(item.outlets)})" if item.outlets else ""
    return f"{when} {marks}{item.title} — {item.source}{also}"


def _md_escape(text: str) -> str:
    # Crawled titles must not become links, images or HTML in a Markdown viewer.
    for ch in "\\`*_{}[]()<>#!|":
        text = text.replace(ch, "\\" + ch)
    return text


def render_text(digest: Digest) -> str:
    lines = [
        f"BẢN TIN TỔNG HỢP NGÀY {digest.day:%d/%m/%Y}",
        f"Tổng số tin: {digest.total} (liên quan tỉnh: {digest.province_total})",
        "",
    ]
    if digest.new_flags or digest.overdue_flags:
        lines.append("CẦN XỬ LÝ")
        lines += [f"  - [{f.severity}] {f.title} ({f.status})" for f in digest.new_flags]
        lines += [f"  - QUÁ HẠN: {f.title} ({f.status})" for f in digest.overdue_flags]
        lines.append("")
    for section in digest.sections:
        lines.append(
            f"{section.name} ({section.plan}): {section.count} tin, "
            f"TB 7 ngày trước {section.baseline:g} ({section.change:+.1f})"
        )
        lines += [f"  - {_item_line(i, digest.timezone)}" for i in section.items]
    if digest.failed_sources:
        lines += ["", "NGUỒN LỖI"]
        lines += [f"  - {f.name}: {f.failures} lần, {f.outcome}: {f.reason}" for f in digest.failed_sources]
    if digest.total == 0:
        lines += ["", "Không có tin nào trong ngày."]
    return "\n".join(lines) + "\n"


def render_markdown(digest: Digest) -> str:
    out = [f"# Bản tin tổng hợp ngày {digest.day:%d/%m/%Y}", ""]
    out.append(f"Tổng số tin: **{digest.total}** (liên quan tỉnh: **{digest.province_total}**)")
    out.append("")
    if digest.new_flags or digest.overdue_flags:
        out += ["## Cần xử lý", ""]
        out += [f"- **{f.severity}** {_md_escape(f.title)} ({f.status})" for f in digest.new_flags]
        out += [f"- **quá hạn** {_md_escape(f.title)} ({f.status})" for f in digest.overdue_flags]
        out.append("")
    out += ["| Mục kế hoạch | Hôm nay | TB 7 ngày trước | Thay đổi |", "|---|---:|---:|---:|"]
    out += [f"| {s.name} ({s.plan}) | {s.count} | {s.baseline:g} | {s.change:+.1f} |" for s in digest.sections]
    for section in digest.sections:
        if not section.items:
            continue
        out += ["", f"## {section.name}", ""]
        out += [f"- {_md_escape(_item_line(i, digest.timezone))}" for i in section.items]
    if digest.failed_sources:
        out += ["", "## Nguồn lỗi", ""]
        out += [f"- {_md_escape(f.name)}: {f.failures} lần, `{f.outcome}`: {_md_escape(f.reason)}" for f in digest.failed_sources]
    if digest.total == 0:
        out += ["", "_Không có tin nào trong ngày._"]
    return "\n".join(out) + "\n"


def render_html(digest: Digest, chart_src: str = f"cid:{CHART_CID}") -> str:
    """HTML for e-mail: inline CSS only, tables for layout, the chart as an inline image."""
    template = _env().get_template("digest.html")
    return template.render(digest=digest, chart_src=chart_src, tz=ZoneInfo(digest.timezone))


def render(digest: Digest, fmt: DigestFormat) -> str:
    if fmt is DigestFormat.HTML:
        return render_html(digest)
    if fmt is DigestFormat.MD:
        return render_markdown(digest)
    return render_text(digest)
