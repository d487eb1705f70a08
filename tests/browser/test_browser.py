"""The web UI in a real browser: Playwright driving Debian's Chromium.

The app runs under uvicorn on 127.0.0.1 (a free port) in a thread, over a seeded
SQLite database. Screenshots at 1366x768 are kept in test-artifacts/.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from config import load_config
from storage.db import make_engine, session_factory
from storage.migrate import upgrade
from tests.web_triage_seed import FLAG_TITLE, seed_triage
from tests.webkit import NOW, PASSWORD, add_article, add_source, make_app, seed_users
from web.roles import Role

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
VIEWPORT = {"width": 1366, "height": 768}
# Flags that work on this machine (no GPU, no sandbox, no network beyond loopback).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run browser tests",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def _seed(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    factory = session_factory(engine)
    with factory.begin() as session:
        seed_users(session)
        add_source(session, "baobinhthuan", "Báo Bình Thuận")
        add_source(session, "vnexpress", "VnExpress")
        add_source(session, "tuoitre", "Tuổi Trẻ")
        add_source(session, "blog", "Blog cá nhân", tier=4, consecutive_failures=3,
                   last_error="HTTP 503")
        hour = timedelta(hours=1)
        add_article(session, "baobinhthuan", "Ngư dân Phú Quý vươn khơi bám biển Trường Sa",
                    NOW - 2 * hour, topics=("bien_dao",), province=True, cluster=1)
        add_article(session, "vnexpress", "Tàu cá Phú Quý ra khơi đầu vụ cá Bắc",
                    NOW - 1 * hour, topics=("bien_dao",), province=True, cluster=1)
        add_article(session, "tuoitre", "Cảnh sát biển tuần tra vùng biển phía Nam",
                    NOW - 3 * hour, topics=("bien_dao",))
        add_article(session, "vnexpress", "Bình Thuận thu hút thêm 3 dự án FDI vào khu công nghiệp",
                    NOW - 4 * hour, topics=("dau_tu",), province=True)
        add_article(session, "tuoitre", "Chỉ số PCI 2025 công bố: nhiều tỉnh tăng hạng",
                    NOW - 5 * hour, topics=("dau_tu",))
        add_article(session, "baobinhthuan", "Lễ hội Nghinh Ông ở Phan Thiết thu hút du khách",
                    NOW - 6 * hour, topics=("van_hoa_du_lich",), province=True)
        add_article(session, "blog", '<script>alert("x")</script> Tin đồn về Mũi Né',
                    NOW - 7 * hour, topics=("van_hoa_du_lich",), url="javascript:alert(1)")
        for days in range(1, 8):
            for k in range(days % 3 + 1):
                add_article(session, "vnexpress", f"Tin biển đảo ngày trước {days}-{k}",
                            NOW - timedelta(days=days, hours=k), topics=("bien_dao",))
        add_article(session, "tuoitre", "Đảo Hoàng Sa trong tư liệu lịch sử Việt Nam",
                    NOW - timedelta(days=3), topics=("bien_dao",),
                    text="Các bản đồ cổ ghi nhận Đảo Hoàng Sa thuộc chủ quyền Việt Nam.")
        add_article(session, "vnexpress", "Du lịch Mũi Né đón khách quốc tế", NOW - timedelta(days=2),
                    topics=("van_hoa_du_lich",), text="Khách đến Phan Thiết tăng mạnh.")
        seed_triage(session, NOW)
    engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'haidang.db'}"
    _seed(url)
    app = make_app(session_factory(make_engine(url)), load_config())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uvicorn_server.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start within 20 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uvicorn_server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("dialog", lambda dialog: pytest.fail(f"a script opened a dialog: {dialog.message}"))
    yield page
    context.close()


def _shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def _sign_in(page: Any, server: str, role: Role) -> None:
    page.goto(f"{server}/")
    assert "/dang-nhap" in page.url
    page.fill("#name", role.value)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _fits_width(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


LANDING = {
    Role.OFFICER: ("/hom-nay", "Hôm nay"),
    Role.SPOKESPERSON: ("/hom-nay", "Hôm nay"),
    Role.ANALYST: ("/tra-cuu", "Tra cứu"),
    Role.ADMIN: ("/nguon-tin", "Nguồn tin"),
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_signs_in_and_out(page: Any, server: str, role: Role) -> None:
    _sign_in(page, server, role)
    path, heading = LANDING[role]
    assert page.url.endswith(path)
    assert page.locator("h1").first.inner_text().startswith(heading)
    assert role.value in page.locator(".who .user").inner_text()
    assert _fits_width(page), "page is wider than 1366 px"
    _shot(page, f"signed-in-{role.value}")
    page.click("text=Đăng xuất")
    page.wait_for_load_state()
    assert "/dang-nhap" in page.url
    assert page.console_errors == []


def test_wrong_password_shows_vietnamese_error(page: Any, server: str) -> None:
    page.goto(f"{server}/dang-nhap")
    page.fill("#name", "officer")
    page.fill("#password", "sai-mat-khau")
    page.click("button[type=submit]")
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.locator(".error").inner_text()
    _shot(page, "login-error")


def test_officer_reads_the_digest(page: Any, server: str) -> None:
    _sign_in(page, server, Role.OFFICER)
    assert page.url.endswith("/hom-nay")
    sections = page.locator("section.section h2")
    names = [sections.nth(i).inner_text() for i in range(sections.count())]
    assert names[0].startswith("Biển, đảo") and "§II.5.1" in names[0]
    assert [n.split(" §")[0] for n in names[:3]] == [
        "Biển, đảo", "Đầu tư, môi trường kinh doanh", "Văn hóa, lịch sử, du lịch"
    ]
    assert page.locator("section.section svg.chart").count() == len(names)
    # Province-relevant story first; its second outlet is collapsed until opened.
    first = page.locator("#muc-bien_dao ul.stories > li").first
    assert "province" in (first.get_attribute("class") or "")
    details = first.locator("details.cluster")
    assert not details.locator("ul").is_visible()
    details.locator("summary").click()
    assert details.locator("ul").is_visible()
    # Hostile title shows as text; no script ran (a dialog would have failed the test).
    assert '<script>alert("x")</script>' in page.locator("#muc-van_hoa_du_lich").inner_text()
    assert _fits_width(page)
    _shot(page, "digest-officer")
    story = page.locator("#muc-bien_dao ul.stories > li", has_text="Ngư dân Phú Quý")
    assert "Tàu cá Phú Quý" not in story.locator("a.title").inner_text()  # collapsed into one story
    story.locator("a.title").click()
    page.wait_for_load_state()
    assert "/bai-viet/" in page.url
    assert page.locator("h1").inner_text().startswith("Ngư dân Phú Quý")  # the earliest report leads
    _shot(page, "article-officer")
    assert page.console_errors == []


def test_admin_pauses_a_source(page: Any, server: str) -> None:
    # baobinhthuan is in the shipped sources.yaml (enabled), so "Theo cấu hình" turns it back on.
    assert load_config().source("baobinhthuan") is not None
    _sign_in(page, server, Role.ADMIN)
    row = page.locator("tr", has_text="Báo Bình Thuận")
    row.locator("button", has_text="Tắt").click()
    page.wait_for_load_state()
    assert "Đã lưu thay đổi" in page.locator(".notice").inner_text()
    row = page.locator("tr", has_text="Báo Bình Thuận")
    assert "Tạm dừng" in row.inner_text()
    _shot(page, "sources-admin")
    row.locator("button", has_text="Theo cấu hình").click()
    page.wait_for_load_state()
    assert "Tạm dừng" not in page.locator("tr", has_text="Báo Bình Thuận").inner_text()


# --- triage and search (issue 7) ----------------------------------------------------------


def test_spokesperson_handles_a_flag(page: Any, server: str) -> None:
    _sign_in(page, server, Role.SPOKESPERSON)
    page.click("nav.mainnav >> text=Cần xử lý")
    page.wait_for_load_state()
    assert page.url.endswith("/can-xu-ly")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 3
    assert "Quá hạn" in rows.nth(0).inner_text()  # the overdue flag leads, visibly marked
    assert "overdue" in (rows.nth(0).get_attribute("class") or "")
    assert _fits_width(page)
    _shot(page, "triage-queue-spokesperson")
    page.click(f"table.queue >> text={FLAG_TITLE}")
    page.wait_for_load_state()
    assert "/can-xu-ly/" in page.url
    # Every signal's evidence is highlighted, in the title and in the text.
    marked = page.locator("h1 mark, .evidence-text mark").all_inner_texts()
    for evidence in ("SỐC", "sự thật bị che giấu", "thuộc Trung Quốc", "Thành phố Tam Sa", "Tây Sa", "!!!", "250 km"):
        assert any(evidence in m for m in marked), evidence  # adjacent evidence shares one mark
    side = page.locator(".contradictions").inner_text()
    assert "Bình Thuận (cũ) có đường bờ biển dài 192 km." in side  # the official fact beside the claim
    assert "Báo Bình Thuận" in page.locator(".cluster-panel").inner_text()
    assert _fits_width(page)
    _shot(page, "triage-flag-evidence")

    page.click("#take")
    page.wait_for_load_state()
    assert page.locator(".assignee").inner_text() == "spokesperson"
    page.select_option("#status", "reviewing")
    page.fill("#status-note", "Đang đối chiếu với hồ sơ chính thức")
    page.click("#status-form button[type=submit]")
    page.wait_for_load_state()
    assert "Đã chuyển sang «Đang xem xét»" in page.locator(".flash").inner_text()
    page.fill("#resp-text", "Sở Ngoại vụ đã đăng thông cáo khẳng định chủ quyền và số liệu chính thức.")
    page.fill("#resp-link", "https://binhthuan.gov.vn/thong-cao-1")
    page.fill("#resp-channel", "Cổng thông tin điện tử tỉnh")
    page.click("#respond-form button[type=submit]")
    page.wait_for_load_state()
    assert "Đã ghi nhận phản hồi chính thức" in page.locator(".flash").inner_text()
    history = page.locator(".history").inner_text()
    assert "Ghi nhận phản hồi chính thức" in history
    assert "Sở Ngoại vụ đã đăng thông cáo" in history
    assert "Đang đối chiếu với hồ sơ chính thức" in history
    assert "Đã phản hồi" in page.locator(".meta").first.inner_text()
    page.locator(".history").scroll_into_view_if_needed()
    _shot(page, "triage-flag-responded")
    assert page.console_errors == []


def test_analyst_searches_without_diacritics_and_exports_csv(page: Any, server: str) -> None:
    _sign_in(page, server, Role.ANALYST)
    assert page.url.endswith("/tra-cuu")
    page.fill("#q", "dao hoang sa")
    page.press("#q", "Enter")
    page.wait_for_load_state()
    titles = page.locator(".hits .hit a.title").all_inner_texts()
    assert "Đảo Hoàng Sa trong tư liệu lịch sử Việt Nam" in titles
    assert "Du lịch Mũi Né đón khách quốc tế" not in titles
    assert "Hoàng" in page.locator(".hits mark").all_inner_texts()
    assert page.locator("figure.series svg rect").count() >= 1  # the time series
    assert _fits_width(page)
    _shot(page, "search-analyst")
    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("id,published_at")
    assert "Đảo Hoàng Sa trong tư liệu lịch sử Việt Nam" in text
    assert download.suggested_filename.endswith(".csv")
    page.fill("#q", '"hoang sa')
    page.press("#q", "Enter")
    page.wait_for_load_state()
    assert "Thiếu dấu ngoặc kép" in page.locator("#search-error").inner_text()
    assert page.console_errors == []
