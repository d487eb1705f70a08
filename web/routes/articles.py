"""Stored articles: the list (newest first) and one article's page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from config.schema import Config
from nlp.parties import Parties
from pipeline.corrections import corrections_for
from storage.models import Article, ArticleTopic, ArticleVersion
from web.auth import requires
from web.deps import app_config, db_session
from web.roles import Permission, allowed
from web.templating import render
from web.topics import topic_labels, topic_names

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


def newest_first() -> tuple[object, ...]:
    when = Article.seen_at
    return (when.desc(), Article.id.desc())


def article_query(topic: str | None, province: bool):  # type: ignore[no-untyped-def]
    query = select(Article)
    if topic:
        query = query.where(
            Article.id.in_(select(ArticleTopic.article_id).where(ArticleTopic.topic == topic))
        )
    if province:
        query = query.where(Article.province_relevant.is_(True))
    return query


@router.get("/bai-viet", name="articles", dependencies=[requires(Permission.SEARCH)])
def article_list(
    request: Request,
    trang: int = Query(1, ge=1, le=10_000),
    chu_de: str | None = Query(None, max_length=32),
    tinh: bool = False,
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> Response:
    query = article_query(chu_de, tinh)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    articles = list(
        session.scalars(
            query.order_by(*newest_first()).offset((trang - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        ).unique()
    )
    return render(
        request,
        "articles.html",
        {
            "title": "Bài viết",
            "articles": articles,
            "total": total,
            "page": trang,
            "pages": max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
            "topic": chu_de or "",
            "province": tinh,
            "topics": topic_labels(config),
            "topic_names": topic_names(config),
        },
    )


@router.get(
    "/bai-viet/{article_id}", name="article", dependencies=[requires(Permission.SEARCH)]
)
def article_detail(
    request: Request,
    article_id: int,
    session: Session = Depends(db_session),
    config: Config = Depends(app_config),
) -> Response:
    article = session.get(Article, article_id)
    if article is None:
        raise HTTPException(status_code=404)
    versions = list(
        session.scalars(
            select(ArticleVersion)
            .where(ArticleVersion.article_id == article.id)
            .order_by(ArticleVersion.version.desc())
        )
    )
    cluster = []
    if article.cluster_id is not None:
        cluster = list(
            session.scalars(
                select(Article)
                .where(Article.cluster_id == article.cluster_id, Article.id != article.id)
                .order_by(Article.seen_at)
            ).unique()
        )
    paragraphs = [p.strip() for p in article.text.split("\n") if p.strip()]
    can_correct = allowed(request.state.principal.role, Permission.TRIAGE)
    return render(
        request,
        "article.html",
        {
            "title": article.title or "Bài viết",
            "article": article,
            "paragraphs": paragraphs,
            "versions": versions,
            "cluster": cluster,
            "topic_names": topic_names(config),
            "foreign": () if article.topics else _foreign_parties(request, article),
            # The spokesperson corrects topics and province relevance here too (web.routes.triage).
            "can_correct": can_correct,
            "topics": topic_labels(config) if can_correct else [],
            "corrections": corrections_for(session, article.id) if can_correct else [],
        },
    )


def _foreign_parties(request: Request, article: Article) -> tuple[str, ...]:
    """Why an article has no topic, when that is the reason (nlp.parties, compiled at start-up)."""
    parties: Parties = request.app.state.parties
    return parties.in_item(article.title, article.text, article.lang or "vi")
