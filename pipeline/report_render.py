"""Write an ``AnnualReport`` as DOCX (python-docx), HTML, or PDF (WeasyPrint from the HTML)."""

from __future__ import annotations

import io
from enum import StrEnum

from docx import Document
from docx.shared import Pt
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipeline.digest_render import TEMPLATES
from pipeline.report import AnnualReport


class ReportFormat(StrEnum):
    DOCX = "docx"
    HTML = "html"
    PDF = "pdf"


MONTH_HEADERS = [f"T{m}" for m in range(1, 13)]


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:g} giờ"


def render_html(report: AnnualReport) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template("report.html").render(r=report, months=MONTH_HEADERS, hours=_hours(report.median_hours_to_respond))


def render_pdf(report: AnnualReport) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only PDF output needs

    return HTML(string=render_html(report)).write_pdf()  # type: ignore[no-any-return]


def _table(doc: Document, header: list[str], rows: list[list[str]]) -> None:  # type: ignore[valid-type]
    table = doc.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def render_docx(report: AnnualReport) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"  # type: ignore[attr-defined]
    style.font.size = Pt(13)  # type: ignore[attr-defined]
    doc.add_heading(f"BÁO CÁO KẾT QUẢ THEO DÕI THÔNG TIN ĐỐI NGOẠI NĂM {report.year}", level=1)
    doc.add_paragraph(f"Địa bàn: {report.province}. Số liệu do hệ thống Hải Đăng tổng hợp ngày {report.generated_at:%d/%m/%Y}.")
    doc.add_heading("1. Tổng quan", level=2)
    doc.add_paragraph(
        f"Tổng số tin, bài: {report.total}; liên quan đến tỉnh: {report.province_total} "
        f"({report.province_share:.1%})."
    )
    _table(doc, ["", *MONTH_HEADERS, "Cả năm"], [
        ["Tất cả", *map(str, report.total_by_month), str(report.total)],
        ["Về tỉnh", *map(str, report.province_by_month), str(report.province_total)],
    ])
    doc.add_heading("2. Tin, bài theo mục kế hoạch, theo tháng", level=2)
    _table(doc, ["Mục", *MONTH_HEADERS, "Cả năm"],
           [[f"{s.name} ({s.plan})", *map(str, s.by_month), str(s.total)] for s in report.sections])
    doc.add_heading("3. Cơ quan báo chí đưa tin nhiều nhất", level=2)
    _table(doc, ["Nguồn", "Số tin", "Về tỉnh"], [[n, str(c), str(p)] for n, c, p in report.top_outlets])
    doc.add_heading("4. Thông tin cần xử lý (mục II.6)", level=2)
    doc.add_paragraph(
        f"Số tin được gắn cờ: {report.flags_total}; đã cung cấp thông tin chính thức: {report.responded}; "
        f"thời gian phản hồi trung vị: {_hours(report.median_hours_to_respond)}."
    )
    if report.flags_by_severity:
        _table(doc, ["Mức độ", "Số cờ"], [[s, str(n)] for s, n in report.flags_by_severity])
    doc.add_heading("5. Tin, bài đáng chú ý", level=2)
    if not report.notable:
        doc.add_paragraph("Không có.")
    for item in report.notable:
        doc.add_paragraph(f"{item.title} — {item.source}, {item.published:%d/%m/%Y} ({item.reason}). {item.url}", style="List Bullet")
    doc.add_heading("6. Nguồn tin", level=2)
    doc.add_paragraph("Bổ sung trong năm: " + (", ".join(report.sources_added) or "không có") + ".")
    doc.add_paragraph("Ngừng theo dõi trong năm: " + (", ".join(report.sources_lost) or "không có") + ".")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def render(report: AnnualReport, fmt: ReportFormat) -> bytes:
    if fmt is ReportFormat.DOCX:
        return render_docx(report)
    if fmt is ReportFormat.PDF:
        return render_pdf(report)
    return render_html(report).encode("utf-8")
