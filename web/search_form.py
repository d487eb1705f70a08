"""The "Tra cứu" form: query-string parameters <-> a search request, both ways.

Parameter names are Vietnamese (they show in the address bar); values are ids.
A bad value is reported in Vietnamese (``FormError``), never a 422 page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from pipeline.triage import FlagStatus
from storage.search import Bucket, SearchFilters, Sort

PAGE_SIZE = 20
MAX_PAGE = 500

# Form field -> SearchFilters field, for the multi-valued filters.
LIST_FIELDS = {"nguon": "sources", "loai": "kinds", "hang": "tiers", "chu_de": "topics"}
FORM_KEYS = (
    "q",
    "tu",
    "den",
    "nguon",
    "loai",
    "hang",
    "chu_de",
    "tinh",
    "canh_bao",
    "trang_thai",
    "ngon_ngu",
    "sap_xep",
    "nhom",
)


class FormError(ValueError):
    """A form value that cannot be used; the message is Vietnamese."""


@dataclass(frozen=True, kw_only=True)
class SearchForm:
    query: str
    filters: SearchFilters
    sort: Sort
    page: int
    bucket: Bucket

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE


def _day(value: str, label: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FormError(
            f"{label} «{value}» không hợp lệ: cần dạng năm-tháng-ngày, ví dụ 2026-11-26."
        ) from None


def _yes_no(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value.strip())


def _values(params: QueryParams, key: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in params.getlist(key) if v.strip())


def parse_form(params: QueryParams) -> SearchForm:
    """The search a query string asks for; ``FormError`` for a bad date, tier, status or page."""
    tiers: list[int] = []
    for value in _values(params, "hang"):
        if not value.isdigit():
            raise FormError(f"Hạng nguồn «{value}» không hợp lệ.")
        tiers.append(int(value))
    status = params.get("trang_thai", "").strip() or None
    if status is not None and status not in set(FlagStatus):
        raise FormError(f"Trạng thái «{status}» không hợp lệ.")
    date_from = _day(params.get("tu", ""), "Ngày bắt đầu")
    date_to = _day(params.get("den", ""), "Ngày kết thúc")
    if date_from and date_to and date_from > date_to:
        raise FormError("Ngày bắt đầu phải trước ngày kết thúc.")
    page = page_number(params.get("trang", ""), MAX_PAGE)
    filters = SearchFilters(
        date_from=date_from,
        date_to=date_to,
        sources=_values(params, "nguon"),
        kinds=_values(params, "loai"),
        tiers=tuple(tiers),
        topics=_values(params, "chu_de"),
        province=_yes_no(params.get("tinh", "")),
        flagged=_yes_no(params.get("canh_bao", "")),
        status=status,
        lang=params.get("ngon_ngu", "").strip() or None,
    )
    return SearchForm(
        query=params.get("q", "").strip(),
        filters=filters,
        sort=Sort.DATE if params.get("sap_xep") == "moi" else Sort.RELEVANCE,
        page=page,
        bucket=Bucket.WEEK if params.get("nhom") == "tuan" else Bucket.DAY,
    )


def filters_to_params(query: str, filters: SearchFilters) -> list[tuple[str, str]]:
    """The query-string pairs for a query and filters (to run a saved search)."""
    pairs: list[tuple[str, str]] = [("q", query)] if query else []
    if filters.date_from:
        pairs.append(("tu", filters.date_from.isoformat()))
    if filters.date_to:
        pairs.append(("den", filters.date_to.isoformat()))
    for key, field in LIST_FIELDS.items():
        pairs.extend((key, str(v)) for v in getattr(filters, field))
    for key, value in (("tinh", filters.province), ("canh_bao", filters.flagged)):
        if value is not None:
            pairs.append((key, "1" if value else "0"))
    if filters.status:
        pairs.append(("trang_thai", filters.status))
    if filters.lang:
        pairs.append(("ngon_ngu", filters.lang))
    return pairs


def search_params(params: QueryParams) -> list[tuple[str, str]]:
    """The form's own pairs of a query string (no page, nothing foreign)."""
    return [(k, v) for k, v in params.multi_items() if k in FORM_KEYS and v.strip()]


def query_string(pairs: Iterable[tuple[str, str]], **changes: str | None) -> str:
    """``?``-prefixed query string from ``pairs`` with some keys replaced (None: removed)."""
    out = [(k, v) for k, v in pairs if k not in changes]
    out += [(k, v) for k, v in changes.items() if v is not None]
    return "?" + urlencode(out) if out else ""


def page_number(text: str, max_page: int) -> int:
    """A ``trang`` query value as a page number (empty: 1); ``FormError`` in Vietnamese
    when it is not a number from 1 to ``max_page``."""
    text = text.strip() or "1"
    if not text.isdigit() or not 1 <= int(text) <= max_page:
        raise FormError(f"Số trang «{text}» không hợp lệ.")
    return int(text)
