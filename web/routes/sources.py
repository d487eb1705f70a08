"""The "Nguồn tin" page: health per source; administrators switch sources on and off."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from config.schema import Config
from web.auth import Principal, requires
from web.deps import app_config, db_session
from web.roles import Permission
from web.sources_view import SourceNotFound, SwitchAction, source_health, switch_source
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/nguon-tin", name="sources", dependencies=[requires(Permission.HEALTH)])
def sources_page(
    request: Request,
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> Response:
    rows = source_health(session, config, now=request.app.state.clock())
    return render(
        request,
        "sources.html",
        {"title": "Nguồn tin", "rows": rows, "saved": request.query_params.get("da_luu")},
    )


@router.post(
    "/nguon-tin/{source_id}/trang-thai",
    name="source_switch",
    dependencies=[requires(Permission.SOURCES)],
)
def source_switch(
    request: Request,
    source_id: str,
    action: SwitchAction = Form(...),
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> Response:
    principal: Principal = request.state.principal
    try:
        switch_source(session, config, source_id, action, actor=principal.name)
    except SourceNotFound:
        raise HTTPException(status_code=404) from None
    session.commit()  # before the redirect is followed (see web.deps.db_session)
    url = request.url_for("sources").include_query_params(da_luu=source_id)
    return RedirectResponse(str(url), status_code=303)
