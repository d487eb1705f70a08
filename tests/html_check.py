"""Parse a page as a browser would and find anything that could run: the XSS check for echoed input.

A regular expression over the raw HTML cannot tell ``value="&#34; onerror=x"`` (inert text
inside an attribute) from a real ``onerror`` attribute; the parser can.
"""

from __future__ import annotations

from html.parser import HTMLParser

URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href"})


class _ActiveContent(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed"):
            self.found.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…> event handler")
            if (
                name in URL_ATTRIBUTES
                and value
                and value.strip().lower().startswith(("javascript:", "data:", "vbscript:"))
            ):
                self.found.append(f"<{tag} {name}={value!r}> script link")

    handle_startendtag = handle_starttag


def active_content(html: str) -> list[str]:
    """Every script element, event-handler attribute and script link in ``html``."""
    parser = _ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_no_active_content(html: str, page: str) -> None:
    found = active_content(html)
    assert not found, f"{page}: {found}"
