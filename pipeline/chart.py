"""Small PNG bar charts for e-mail (mail clients show images, not SVG or scripts)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# Debian's fonts-dejavu-core has every Vietnamese letter; without it we fall back
# to Pillow's built-in font and ASCII labels rather than print boxes.
FONT_PATHS = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"),
]


def _font(size: int) -> tuple[ImageFont.ImageFont | ImageFont.FreeTypeFont, bool]:
    for path in FONT_PATHS:
        if path.is_file():
            return ImageFont.truetype(str(path), size), True
    return ImageFont.load_default(), False


def _ascii(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def bar_chart_png(rows: Sequence[tuple[str, float, float]], width: int = 560) -> bytes:
    """Horizontal bars: (label, today, 7-day average). Returns PNG bytes.

    Example: ``bar_chart_png([("Biển, đảo", 12, 7.5)])``.
    """
    font, unicode_ok = _font(13)
    row_h, left, pad = 24, 190, 8
    height = pad * 2 + row_h * max(1, len(rows)) + 18
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    top = max([max(today, base) for _, today, base in rows] + [1.0])
    scale = (width - left - 40) / top
    for i, (label, today, base) in enumerate(rows):
        y = pad + i * row_h
        draw.text((pad, y + 4), label if unicode_ok else _ascii(label), fill="#222222", font=font)
        draw.rectangle([left, y + 4, left + today * scale, y + row_h - 6], fill="#1f6feb")
        x = left + base * scale
        draw.line([x, y + 1, x, y + row_h - 3], fill="#d1242f", width=2)
        draw.text((left + today * scale + 4, y + 4), f"{today:g}", fill="#222222", font=font)
    legend = "xanh: hôm nay · đỏ: trung bình 7 ngày trước"
    draw.text((pad, height - 18), legend if unicode_ok else _ascii(legend), fill="#555555", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
