"""REST API for search (``/api/search``, ``/api/search/export``) and the digest (``/api/digest``).

Example:
    curl -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:8000/api/search?q=dao+hoang+sa&topic=bien_dao"
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from config.schema import Config
from pipeline.clock import local_today
from pipeline.digest import build_digest
from storage.search import (
    ExportFormat,
    QueryError,
    SearchFilters,
    SearchRequest,
    Sort,
    facets,
    parse,
    search,
)
from web.auth import requires
from web.deps import app_config, db_session
from web.roles import Permission
from web.routes.search import export_response

router = APIRouter(prefix="/api", tags=["search"])


def _filters(
    date_from: date | None = Query(
        None, alias="from", description="first day, YYYY-MM-DD (Vietnam time)"
    ),
    date_to: date | None = Query(None, alias="to", description="last day, inclusive"),
    source: list[str] = Query([], description="source id (repeatable)"),
    kind: list[str] = Query([], description="source kind (repeatable)"),
    tier: list[int] = Query([], description="source tier (repeatable)"),
    topic: list[str] = Query([], description="topic id (repeatable; any of them)"),
    province: bool | None = Query(None, description="province-relevant or not"),
    flagged: bool | None = Query(None, description="has a flag or not"),
    status: str | None = Query(None, description="flag status"),
    lang: str | None = Query(None, description="language code, e.g. vi"),
) -> SearchFilters:
    return SearchFilters(
        date_from=date_from, date_to=date_to, sources=tuple(source), kinds=tuple(kind),
        tiers=tuple(tier), topics=tuple(topic), province=province, flagged=flagged,
        status=status, lang=lang,
    )  # fmt: skip


def _bad_query(exc: QueryError) -> Response:
    return JSONResponse({"detail": str(exc)}, status_code=400)


@router.get("/search", dependencies=[requires(Permission.SEARCH)])
def api_search(
    q: str = Query("", max_length=500, description='query, e.g. "hoang sa" -du lich'),
    sort: Sort = Query(Sort.RELEVANCE),
    limit: int = Query(20, ge=1, le=200),
    offset: int = Query(0, ge=0, le=100_000),
    filters: SearchFilters = Depends(_filters),
    session: Session = Depends(db_session),
) -> Any:
    """Matching articles with highlighted title and snippet (``[text, is_match]`` pieces) and facets."""
    try:
        page = search(
            session, SearchRequest(query=q, filters=filters, sort=sort, limit=limit, offset=offset)
        )
        counts = facets(session, q, filters)
    except QueryError as exc:
        return _bad_query(exc)
    return jsonable_encoder(
        {
            "total": page.total,
            "offset": offset,
            "limit": limit,
            "hits": [asdict(h) for h in page.hits],
            "facets": asdict(counts),
        }
    )


@router.get("/search/export", dependencies=[requires(Permission.EXPORT)])
def api_search_export(
    request: Request,
    q: str = Query("", max_length=500),
    format: ExportFormat = Query(ExportFormat.CSV),  # noqa: A002  (the public parameter name)
    filters: SearchFilters = Depends(_filters),
) -> Response:
    """Every match, streamed as CSV or JSON lines."""
    try:
        parse(q)
    except QueryError as exc:
        return _bad_query(exc)
    return export_response(request.app.state.sessions, q, filters, format)


@router.get("/digest", dependencies=[requires(Permission.DIGEST)])
def api_digest(
    request: Request,
    date_: date | None = Query(
        None, alias="date", description="the day, YYYY-MM-DD; default today"
    ),
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> Any:
    """The daily digest: sections in plan order with counts, baseline and collapsed stories; flags."""
    now = request.app.state.clock()
    day = date_ or local_today(config.schedule.timezone, now)
    return jsonable_encoder(asdict(build_digest(session, config, day, now)))
