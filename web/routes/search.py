"""The "Tra cứu" page: search with filters, facets, a time-series chart, export, saved searches."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import QueryParams
from starlette.responses import RedirectResponse, Response, StreamingResponse

from config.schema import Config
from pipeline.triage import STATUS_LABELS_VI, FlagStatus
from storage.search import (
    ExportFormat,
    QueryError,
    SavedSearchError,
    SearchFilters,
    SearchRequest,
    add_saved,
    delete_saved,
    facets,
    get_saved,
    list_saved,
    parse,
    search,
    stream_export,
    time_series,
)
from web.auth import Principal, requires
from web.deps import app_config, db_session
from web.flash import flash
from web.roles import Permission, allowed
from web.search_form import (
    PAGE_SIZE,
    FormError,
    filters_to_params,
    parse_form,
    query_string,
    search_params,
)
from web.search_view import choices, series_bucket, series_chart
from web.templating import render
from web.topics import topic_labels, topic_names

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

EXPORT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.JSONL: "application/x-ndjson; charset=utf-8",
}


def _context(
    request: Request, session: Session, config: Config, principal: Principal
) -> dict[str, object]:
    """What every rendering of the page needs: the form as sent, choices, saved searches."""
    pairs = search_params(request.query_params)
    options = choices(session)
    return {
        "title": "Tra cứu",
        "params": dict(request.query_params),
        "param_lists": {
            k: request.query_params.getlist(k) for k in ("nguon", "loai", "hang", "chu_de")
        },
        "choices": options,
        "source_names": dict(options.sources),
        "topics": topic_labels(config),
        "topic_names": topic_names(config),
        "statuses": list(FlagStatus),
        "status_labels": STATUS_LABELS_VI,
        "saved": list_saved(session, principal.name),
        "can_export": allowed(principal.role, Permission.EXPORT),
        "can_chart": allowed(principal.role, Permission.CHARTS),
        "searched": bool(pairs),
        "error": None,
        "page": None,
        "pairs": pairs,
        "query_string": query_string,
    }


@router.get("/tra-cuu", name="search", dependencies=[requires(Permission.SEARCH)])
def search_page(
    request: Request,
    da_luu: str = Query("", max_length=200, description="run the saved search of this name"),
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> Response:
    principal: Principal = request.state.principal
    if da_luu:
        saved = get_saved(session, principal.name, da_luu)
        if saved is None:
            flash(request, f"Không có tìm kiếm đã lưu tên «{da_luu}».", ok=False)
            return RedirectResponse(str(request.url_for("search")), status_code=303)
        pairs = filters_to_params(saved.query, SearchFilters.from_json(saved.filters))
        url = str(request.url_for("search")) + query_string(pairs)
        return RedirectResponse(url, status_code=303)

    pairs = search_params(request.query_params)
    context = _context(request, session, config, principal)
    if not pairs:
        return render(request, "search.html", context)
    try:
        form = parse_form(request.query_params)
        page = search(
            session,
            SearchRequest(
                query=form.query,
                filters=form.filters,
                sort=form.sort,
                limit=PAGE_SIZE,
                offset=form.offset,
            ),
        )
        counts = facets(session, form.query, form.filters)
        chart = None
        if context["can_chart"]:
            bucket = series_bucket(form.filters, counts.days, form.bucket)
            series = time_series(session, form.query, form.filters, bucket)
            chart = series_chart(form.query, series, bucket)
    except (QueryError, FormError) as exc:
        context["error"] = str(exc)
        return render(request, "search.html", context)
    context.update(
        {
            "form": form,
            "page": page,
            "facets": counts,
            "chart": chart,
            "pages": max(1, (page.total + PAGE_SIZE - 1) // PAGE_SIZE),
        }
    )
    return render(request, "search.html", context)


@router.get("/tra-cuu/xuat", name="search_export", dependencies=[requires(Permission.EXPORT)])
def search_export(
    request: Request,
    dinh_dang: ExportFormat = Query(ExportFormat.CSV),
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> Response:
    """Every match, streamed as CSV or JSON lines (constant memory)."""
    try:
        form = parse_form(request.query_params)
        # Checked here so that a malformed query is a page, not a broken download.
        parse(form.query)
    except (QueryError, FormError) as exc:
        context = _context(request, session, config, request.state.principal)
        context["error"] = str(exc)
        return render(request, "search.html", context, status_code=400)
    return export_response(request.app.state.sessions, form.query, form.filters, dinh_dang)


def export_response(
    sessions: sessionmaker[Session], query: str, filters: SearchFilters, fmt: ExportFormat
) -> StreamingResponse:
    """A streamed download; the rows are read in a session of its own, open while streaming."""

    def chunks() -> Iterator[bytes]:
        with sessions() as session:
            for chunk in stream_export(session, query, filters, fmt):
                yield chunk.encode("utf-8")

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    name = f"haidang-tra-cuu-{stamp}.{fmt.value}"
    return StreamingResponse(
        chunks(),
        media_type=EXPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/tra-cuu/luu", name="search_save", dependencies=[requires(Permission.SEARCH)])
def search_save(
    request: Request,
    name: str = Form("", max_length=200),
    params: str = Form("", max_length=4000),
    session: Session = Depends(db_session),
) -> Response:
    """Save the search described by ``params`` (the page's query string) under ``name``."""
    principal: Principal = request.state.principal
    target = str(request.url_for("search")) + (f"?{params}" if params else "")
    try:
        form = parse_form(QueryParams(params))
        add_saved(session, owner=principal.name, name=name, query=form.query, filters=form.filters)
    except (QueryError, FormError, SavedSearchError) as exc:
        session.rollback()
        flash(request, str(exc), ok=False)
        return RedirectResponse(target, status_code=303)
    session.commit()
    flash(request, f"Đã lưu tìm kiếm «{name.strip()}».")
    return RedirectResponse(target, status_code=303)


@router.post("/tra-cuu/xoa", name="search_delete", dependencies=[requires(Permission.SEARCH)])
def search_delete(
    request: Request,
    name: str = Form("", max_length=200),
    session: Session = Depends(db_session),
) -> Response:
    principal: Principal = request.state.principal
    if delete_saved(session, principal.name, name):
        session.commit()
        flash(request, f"Đã xóa tìm kiếm «{name.strip()}».")
    else:
        flash(request, f"Không có tìm kiếm đã lưu tên «{name.strip()}».", ok=False)
    return RedirectResponse(str(request.url_for("search")), status_code=303)
