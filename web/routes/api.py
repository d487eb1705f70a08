"""REST API under /api/: the same permissions as the pages; ``Authorization: Bearer`` for scripts.

Tokens come from ``haidang users token NAME``. Example:
    curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/api/articles?limit=10
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from config.schema import Config
from storage.models import Article
from web.auth import requires
from web.deps import app_config, db_session
from web.roles import Permission
from web.routes.articles import article_query, newest_first
from web.sources_view import source_health
from web.templating import as_utc, render

router = APIRouter(prefix="/api", tags=["api"])


class TopicOut(BaseModel):
    id: str
    name: str
    score: float
    evidence: list[str]


class ArticleOut(BaseModel):
    id: int
    url: str
    source_id: str
    source_name: str
    title: str
    summary: str
    published_at: datetime | None
    fetched_at: datetime
    province_relevant: bool
    places: list[str]
    topics: list[TopicOut]
    cluster_id: int | None
    risk_score: float


class ArticleDetailOut(ArticleOut):
    text: str
    version: int


class ArticlePage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[ArticleOut]


class SourceOut(BaseModel):
    id: str
    name: str
    type: str
    kind: str
    lang: str
    tier: int
    enabled: bool
    enabled_override: bool | None
    health: str
    consecutive_failures: int
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    articles: int
    articles_24h: int
    open_errors: int


def _opt(value: datetime | None) -> datetime | None:
    return as_utc(value) if value else None


def _article(article: Article, names: dict[str, str]) -> dict[str, object]:
    return {
        "id": article.id,
        "url": article.url,
        "source_id": article.source_id,
        "source_name": article.source.name,
        "title": article.title,
        "summary": article.summary,
        "published_at": _opt(article.published_at),
        "fetched_at": as_utc(article.fetched_at),
        "province_relevant": article.province_relevant,
        "places": [str(p) for p in article.places or []],
        "topics": [
            TopicOut(
                id=t.topic,
                name=names.get(t.topic, t.topic),
                score=t.score,
                evidence=[str(e) for e in t.evidence or []],
            )
            for t in article.topics
        ],
        "cluster_id": article.cluster_id,
        "risk_score": article.risk_score,
    }


@router.get("/articles", response_model=ArticlePage, dependencies=[requires(Permission.SEARCH)])
def api_articles(
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
    topic: str | None = Query(None, max_length=32, description="topic id, e.g. bien_dao"),
    province: bool = Query(False, description="only province-relevant articles"),
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> ArticlePage:
    """Stored articles, newest first."""
    query = article_query(topic, province)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    names = {t.id: t.name for t in config.topics}
    rows = session.scalars(query.order_by(*newest_first()).offset(offset).limit(limit)).unique()
    return ArticlePage(
        total=total,
        offset=offset,
        limit=limit,
        items=[ArticleOut.model_validate(_article(a, names)) for a in rows],
    )


@router.get(
    "/articles/{article_id}",
    response_model=ArticleDetailOut,
    dependencies=[requires(Permission.SEARCH)],
)
def api_article(
    article_id: int,
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> ArticleDetailOut:
    """One article with its text."""
    article = session.get(Article, article_id)
    if article is None:
        raise HTTPException(status_code=404)
    names = {t.id: t.name for t in config.topics}
    data = _article(article, names) | {"text": article.text, "version": article.version}
    return ArticleDetailOut.model_validate(data)


@router.get("/sources", response_model=list[SourceOut], dependencies=[requires(Permission.HEALTH)])
def api_sources(
    request: Request,
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> list[SourceOut]:
    """Configured sources and their crawl health."""
    return [
        SourceOut(
            id=r.source.id,
            name=r.source.name,
            type=r.source.type,
            kind=r.source.kind,
            lang=r.source.lang,
            tier=r.source.tier,
            enabled=r.source.enabled,
            enabled_override=r.source.enabled_override,
            health=r.health.value,
            consecutive_failures=r.source.consecutive_failures,
            last_success_at=_opt(r.source.last_success_at),
            last_error_at=_opt(r.source.last_error_at),
            last_error=r.source.last_error,
            articles=r.articles,
            articles_24h=r.articles_24h,
            open_errors=r.open_errors,
        )
        for r in source_health(session, config, now=request.app.state.clock())
    ]


@router.get(
    "/openapi.json", include_in_schema=False, dependencies=[requires(Permission.SIGNED_IN)]
)
def api_openapi(request: Request) -> Response:
    return JSONResponse(request.app.openapi())


@router.get("/docs", include_in_schema=False, dependencies=[requires(Permission.SIGNED_IN)])
def api_docs(request: Request) -> Response:
    """The API reference, rendered here from the OpenAPI schema (no CDN, no script)."""
    schema = request.app.openapi()
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": op.get("parameters", []),
                }
            )
    return render(request, "api_docs.html", {"title": "Tài liệu API", "operations": operations})
