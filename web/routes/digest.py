"""The "Hôm nay" page."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from config.schema import Config
from pipeline.clock import local_today
from pipeline.triage import STATUS_LABELS_VI
from web.auth import requires
from web.deps import app_config, db_session
from web.digest import digest_page
from web.roles import Permission, allowed
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/hom-nay", name="digest", dependencies=[requires(Permission.DIGEST)])
def digest_view(
    request: Request,
    ngay: date | None = Query(None, description="a past day, YYYY-MM-DD"),
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> Response:
    now = request.app.state.clock()
    day = ngay or local_today(config.schedule.timezone, now)
    page = digest_page(session, config, day, now)
    principal = request.state.principal
    return render(
        request,
        "digest.html",
        {
            "title": "Hôm nay",
            "digest": page,
            "is_today": day == local_today(config.schedule.timezone, now),
            "can_triage": allowed(principal.role, Permission.TRIAGE),
            "status_labels": STATUS_LABELS_VI,
        },
    )
