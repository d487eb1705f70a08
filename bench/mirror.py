"""A local mirror for the crawl benchmark: N hosts on loopback, each with an RSS feed
and article pages, served by Twisted from memory.

Each host listens on its own loopback address (127.0.0.1, 127.0.0.2, ...), so
Scrapy sees N distinct sites, as it would on the web. The pages are generated
from a fixed seed: Vietnamese news-like text (written for this benchmark, not
copied from any outlet), with the boilerplate, metadata and size of a real
article page.

    python bench/mirror.py --hosts 20 --per-host 100

prints one JSON line ``{"hosts": ["http://127.0.0.1:PORT", ...]}`` once it listens,
and serves until killed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from typing import Any

PLACES = [
    "Phan Thiết",
    "Mũi Né",
    "La Gi",
    "Phú Quý",
    "Tuy Phong",
    "Bắc Bình",
    "Hàm Thuận Bắc",
    "Hàm Tân",
    "Đức Linh",
    "Tánh Linh",
    "Đà Lạt",
    "Bảo Lộc",
    "Hà Nội",
    "Thành phố Hồ Chí Minh",
    "Đà Nẵng",
    "Cần Thơ",
    "Nha Trang",
    "Phan Rang",
]
SUBJECTS = [
    "Ủy ban nhân dân tỉnh",
    "Sở Khoa học và Công nghệ",
    "Sở Công Thương",
    "Ban quản lý khu công nghiệp",
    "Hội Nông dân",
    "Trung tâm Xúc tiến đầu tư",
    "Bộ đội Biên phòng",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Hợp tác xã thanh long",
    "Cảng cá",
    "Hiệp hội doanh nghiệp",
    "Trường đại học",
]
ACTIONS = [
    "tổ chức hội nghị triển khai kế hoạch năm",
    "ký kết biên bản hợp tác với đối tác nước ngoài",
    "khảo sát thực địa các dự án trọng điểm",
    "công bố kết quả chỉ số năng lực cạnh tranh",
    "tiếp đoàn công tác của tổ chức quốc tế",
    "phát động phong trào chuyển đổi số",
    "hỗ trợ ngư dân bám biển dài ngày",
    "đón đoàn khách du lịch quốc tế đầu tiên",
    "kiểm tra công tác phòng chống khai thác hải sản bất hợp pháp",
    "khánh thành nhà máy chế biến",
]
DETAILS = [
    "với tổng vốn đầu tư khoảng {n} tỷ đồng",
    "thu hút hơn {n} đại biểu tham dự",
    "trong bối cảnh sản lượng tăng {p} phần trăm so với cùng kỳ",
    "theo kế hoạch đến hết năm {y}",
    "với sự tham gia của {n} doanh nghiệp trong và ngoài nước",
    "tạo việc làm cho khoảng {n} lao động",
    "nhằm nâng cao giá trị sản phẩm chủ lực của địa phương",
    "góp phần bảo vệ chủ quyền biển đảo",
]
QUOTES = [
    "Theo lãnh đạo đơn vị, đây là bước đi cần thiết để {a}.",
    "Đại diện doanh nghiệp cho biết sẽ tiếp tục {a} trong thời gian tới.",
    "Các chuyên gia nhận định việc {a} cần được thực hiện đồng bộ.",
    "Người dân {place} bày tỏ mong muốn chính quyền sớm {a}.",
    "Báo cáo nêu rõ kết quả {a} đạt {p} phần trăm kế hoạch.",
]
AIMS = [
    "mở rộng thị trường xuất khẩu",
    "cải thiện môi trường đầu tư",
    "phát triển du lịch bền vững",
    "ứng dụng khoa học công nghệ vào sản xuất",
    "nâng cấp hạ tầng giao thông",
    "đào tạo nguồn nhân lực",
    "quảng bá hình ảnh địa phương",
    "tăng cường hợp tác quốc tế",
]
NAV = ["Thời sự", "Kinh tế", "Xã hội", "Văn hóa", "Du lịch", "Thể thao", "Khoa học", "Biển đảo"]


def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.35:
        return rng.choice(QUOTES).format(
            a=rng.choice(AIMS), place=rng.choice(PLACES), p=rng.randint(5, 95)
        )
    detail = rng.choice(DETAILS).format(
        n=rng.randint(10, 5000), p=rng.randint(2, 40), y=rng.randint(2025, 2030)
    )
    return f"{rng.choice(SUBJECTS)} {rng.choice(PLACES)} {rng.choice(ACTIONS)}, {detail}."


def article(rng: random.Random, host: int, number: int) -> tuple[str, list[str]]:
    title = (
        f"{rng.choice(SUBJECTS)} {rng.choice(PLACES)} {rng.choice(ACTIONS)} (bài {host}-{number})"
    )
    paragraphs = [
        " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))
        for _ in range(rng.randint(8, 12))
    ]
    return title, paragraphs


def page_html(
    base: str, path: str, title: str, paragraphs: list[str], published: datetime
) -> bytes:
    nav = "".join(f'<li><a href="{base}/{i}/">{escape(n)}</a></li>' for i, n in enumerate(NAV * 6))
    related = "".join(
        f'<li><a href="{base}/tin/lien-quan-{i}.html">Tin liên quan số {i}</a></li>'
        for i in range(12)
    )
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{escape(title)}</title>
<link rel="canonical" href="{base}{path}">
<meta property="og:title" content="{escape(title)}">
<meta property="og:description" content="{escape(paragraphs[0][:160])}">
<meta property="article:published_time" content="{published.isoformat()}">
<style>body{{font-family:sans-serif}} .menu li{{display:inline}}</style></head>
<body><header><ul class="menu">{nav}</ul><form><input name="q"></form></header>
<main><article><h1>{escape(title)}</h1><div class="date">{published.strftime("%d/%m/%Y %H:%M")} (GMT+7)</div>
{body}<p class="author">Phóng viên Hải Đăng</p></article>
<aside><h3>Tin liên quan</h3><ul>{related}</ul></aside></main>
<footer><p>Bản quyền thuộc về tòa soạn. Giấy phép số 00/GP-BTTTT.</p><p>Địa chỉ: Phan Thiết.</p></footer>
</body></html>""".encode()


def feed_xml(base: str, items: list[tuple[str, str, datetime]]) -> bytes:
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
        f"<pubDate>{format_datetime(published)}</pubDate><description>{escape(title)}</description></item>"
        for path, title, published in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Tin mới</title>'
        f"<link>{base}/</link><description>Tin mới</description>{entries}</channel></rss>"
    ).encode()


def build_site(base: str, host: int, per_host: int, now: datetime) -> dict[str, tuple[bytes, str]]:
    """Every path of one host -> (body, content type)."""
    rng = random.Random(host)
    pages: dict[str, tuple[bytes, str]] = {
        "/robots.txt": (b"User-agent: *\nDisallow: /admin/\n", "text/plain"),
    }
    items = []
    for number in range(per_host):
        title, paragraphs = article(rng, host, number)
        path = f"/tin/{host}-{number}.html"
        published = now - timedelta(minutes=7 * number + host)
        pages[path] = (
            page_html(base, path, title, paragraphs, published),
            "text/html; charset=utf-8",
        )
        items.append((path, title, published))
    pages["/rss.xml"] = (feed_xml(base, items), "application/rss+xml; charset=utf-8")
    return pages


def serve(hosts: int, per_host: int) -> None:
    from twisted.internet import reactor as twisted_reactor
    from twisted.web.resource import Resource
    from twisted.web.server import Site

    reactor: Any = twisted_reactor  # zope interfaces confuse mypy
    now = datetime.now(UTC).replace(microsecond=0)
    sites: dict[str, dict[str, tuple[bytes, str]]] = {}

    class Mirror(Resource):
        isLeaf = True

        def render_GET(self, request):  # type: ignore[no-untyped-def]  # noqa: N802 - Twisted's naming
            local = request.getHost()
            page = sites.get(f"{local.host}:{local.port}", {}).get(request.path.decode())
            if page is None:
                request.setResponseCode(404)
                request.setHeader(b"content-type", b"text/html")
                return b"<html><body>404</body></html>"
            body, kind = page
            request.setHeader(b"content-type", kind.encode())
            return body

    site = Site(Mirror())
    site.displayTracebacks = False
    bases = []
    for host in range(hosts):
        address = f"127.0.0.{host + 1}"
        port = reactor.listenTCP(0, site, interface=address)
        key = f"{address}:{port.getHost().port}"
        base = f"http://{key}"
        sites[key] = build_site(base, host, per_host, now)
        bases.append(base)
    print(json.dumps({"hosts": bases}), flush=True)
    reactor.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="serve the benchmark mirror")
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--per-host", type=int, default=100)
    args = parser.parse_args(argv)
    serve(args.hosts, args.per_host)
    return 0


if __name__ == "__main__":
    sys.exit(main())
