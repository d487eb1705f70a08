"""Serve the demo site on 127.0.0.1 from a background thread."""

from __future__ import annotations

import datetime as dt
import errno
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from pipeline.demo_site.corpus import Outlet, load_outlets
from pipeline.demo_site.render import Renderer

logger = logging.getLogger(__name__)

ROBOTS = "User-agent: *\nAllow: /\n"
CSS = (
    "body{font-family:Arial,sans-serif;max-width:960px;margin:auto}.article-sapo{font-size:1.1em}\n"
)


class PortBusyError(OSError):
    """The requested port is taken (often by another ``haidang demo``)."""


@dataclass(frozen=True, kw_only=True)
class DemoSite:
    base_url: str
    port: int
    outlets: list[Outlet]

    def feed_urls(self) -> dict[str, str]:
        """Outlet id -> absolute feed URL."""
        return {o.id: self.base_url + o.feed_path for o in self.outlets}


def _handler(renderer: Renderer, clock: Callable[[], dt.datetime]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "HaiDangDemo/1.0"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._respond(with_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._respond(with_body=False)

        def _respond(self, *, with_body: bool) -> None:
            path = urlsplit(self.path).path
            now = clock()
            body: str | None
            ctype = "text/html; charset=utf-8"
            if path == "/robots.txt":
                body, ctype = ROBOTS, "text/plain; charset=utf-8"
            elif path == "/static/site.css":
                body, ctype = CSS, "text/css; charset=utf-8"
            elif path == "/":
                body = renderer.index()
            elif path.endswith((".rss", ".xml")):
                body = renderer.feed(path, now)
                ctype = (
                    "application/atom+xml; charset=utf-8"
                    if path.endswith("atom.xml")
                    else "application/rss+xml; charset=utf-8"
                )
            elif path.endswith(".html"):
                body = renderer.article(path, now)
            else:
                body = renderer.home(path.strip("/"), now)
            status = 200
            if body is None:
                status, body, ctype = (
                    404,
                    "<html><body><h1>404 - Không tìm thấy trang</h1></body></html>",
                    "text/html; charset=utf-8",
                )
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if with_body:
                self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            logger.debug("demo site: " + format, *args)

    return Handler


@contextmanager
def serve_site(
    port: int = 0, *, clock: Callable[[], dt.datetime] | None = None
) -> Iterator[DemoSite]:
    """Serve the demo site on ``127.0.0.1:port`` (0 picks a free port) until the block ends.

    Raises ``PortBusyError`` when the port is taken.
    """
    outlets = load_outlets()
    try:
        httpd = ThreadingHTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortBusyError(exc.errno, f"port {port} on 127.0.0.1 is already in use") from exc
        raise
    httpd.daemon_threads = True
    real_port = httpd.server_address[1]
    base_url = f"http://127.0.0.1:{real_port}"
    renderer = Renderer(outlets, base_url)
    httpd.RequestHandlerClass = _handler(renderer, clock or (lambda: dt.datetime.now(dt.UTC)))
    thread = threading.Thread(target=httpd.serve_forever, name="demo-site", daemon=True)
    thread.start()
    logger.info("demo site on %s", base_url)
    try:
        yield DemoSite(base_url=base_url, port=int(real_port), outlets=outlets)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
