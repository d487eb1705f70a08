"""A local HTTP server for crawl tests: 127.0.0.1, a random port, no network.

It serves the team's recorded pages from ``tests/fixtures/sites/<site>/`` and
scripted responses registered per path: an ETag that answers 304, a charset
header that lies, redirects and a redirect loop, 404/500, a slow response, a
huge page, a non-HTML response, a robots.txt. Every request is logged, so tests
can assert what was (not) fetched.

    with FixtureSite("tinbien") as site:
        site.route("/cham.html", delay=5.0, body=b"...")
        url = site.url("/rss/thoi-su.rss")
"""

from __future__ import annotations

import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SITES = Path(__file__).resolve().parent / "fixtures" / "sites"


@dataclass
class Route:
    """A scripted response. ``body`` may be a function of the site (for URLs with the port)."""

    status: int = 200
    body: bytes | Callable[[FixtureSite], bytes] = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    location: str | None = None


@dataclass(frozen=True)
class Hit:
    path: str
    headers: dict[str, str]


class FixtureSite:
    def __init__(self, site: str | None = None) -> None:
        self.root = SITES / site if site else None
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- set-up -------------------------------------------------------------

    def route(self, path: str, **kwargs: Any) -> Route:
        route = Route(**kwargs)
        self.routes[path] = route
        return route

    @property
    def base(self) -> str:
        if self._server is None:
            raise RuntimeError("the site is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [hit for hit in self.hits if hit.path == path]

    def start(self) -> FixtureSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                site._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                del format, args

        class Server(ThreadingHTTPServer):
            # With no politeness delay, Scrapy opens many connections at once.
            request_queue_size = 128

            def handle_error(self, request: Any, client_address: Any) -> None:
                # A crawler that gives up (timeout, size limit) resets the connection: expected.
                del request, client_address

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FixtureSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving --------------------------------------------------------------

    def _resolve(self, path: str) -> Route | None:
        if path in self.routes:
            return self.routes[path]
        if self.root is None:
            return None
        file = (self.root / path.lstrip("/")).resolve()
        if self.root.resolve() not in file.parents or not file.is_file():
            return None
        body = file.read_bytes()

        def render(site: FixtureSite, raw: bytes = body) -> bytes:
            return raw.replace(b"{base}", site.base.encode())

        if file.suffix in {".rss", ".xml", ".atom"}:
            # Recorded feeds name their links with {base}; the port is only known now.
            return Route(
                body=render,
                content_type="application/xml; charset=utf-8",
            )
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        charset = "; charset=utf-8" if kind.startswith("text/") else ""
        return Route(
            body=render,
            content_type=kind + charset,
        )

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        with self._lock:
            self.hits.append(Hit(path=handler.path, headers=dict(handler.headers.items())))
        route = self._resolve(path)
        if route is None:
            self._send(
                handler,
                404,
                b"<html><body><h1>404</h1></body></html>",
                {"Content-Type": "text/html"},
            )
            return
        if route.delay:
            time.sleep(route.delay)
        headers = dict(route.headers)
        if route.content_type:
            headers["Content-Type"] = route.content_type
        if route.etag:
            headers["ETag"] = route.etag
            if handler.headers.get("If-None-Match") == route.etag:
                self._send(handler, 304, b"", {"ETag": route.etag})
                return
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if route.location:
            headers["Location"] = (
                route.location if "://" in route.location else self.url(route.location)
            )
        body = route.body(self) if callable(route.body) else route.body
        self._send(handler, route.status, body, headers)

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]
    ) -> None:
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.send_header("Date", formatdate(usegmt=True))
            handler.end_headers()
            if body:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up (timeout, size limit): that is what the test wants


def article_html(
    title: str, paragraphs: list[str], *, published: str = "", canonical: str = ""
) -> bytes:
    """A small news article page in the markup Vietnamese news sites use."""
    head = [f"<title>{title} - Tin Biển</title>", f'<meta property="og:title" content="{title}">']
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    if published:
        head.append(f'<meta property="article:published_time" content="{published}">')
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        + "".join(head)
        + '</head><body><nav><a href="/">Trang chủ</a></nav><article class="fck_detail">'
        + f"<h1>{title}</h1>{body}</article><footer>Tin Biển</footer></body></html>"
    )
    return html.encode("utf-8")


def rss(items: list[tuple[str, str]], *, title: str = "Tin Biển") -> bytes:
    """An RSS 2.0 feed of (title, link) items."""
    entries = "".join(f"<item><title>{t}</title><link>{link}</link></item>" for t, link in items)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"{entries}</channel></rss>"
    ).encode()
