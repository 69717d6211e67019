"""Knowledge-base JSON API at /api/v1/knowledge/: public search and articles (the same selectors as
the Q&A page), and the direct answer for agents' own tools (the same service as the console)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from pengcheng.api import actor_of, require_scope
from pengcheng.core.errors import NotFound
from pengcheng.hotline import selectors as hotline_selectors
from pengcheng.knowledge import selectors, services
from pengcheng.knowledge.models import Article

router = Router(tags=["knowledge"])


class HitOut(Schema):
    key: str
    title: str
    body: str
    version: int
    department: str
    category: str
    score: float


class SearchOut(Schema):
    query: str
    results: list[HitOut]


class ArticleOut(Schema):
    key: str
    title: str
    body: str
    variants: list[str]
    version: int
    department: str
    category: str
    valid_from: dt.date | None
    valid_to: dt.date | None


def _department(article: Article) -> str:
    if article.department:
        return article.department.short_name or article.department.name
    return article.source_department


def _hit(hit: selectors.Hit) -> dict[str, Any]:
    article = hit.article
    return {
        "key": article.key,
        "title": article.display_title,
        "body": article.body,
        "version": article.version,
        "department": _department(article),
        "category": article.category.path_name if article.category else "",
        "score": round(hit.score, 4),
    }


@router.get("/search", response=SearchOut, auth=None, summary="Search published answers (Chinese)")
def search(request: HttpRequest, q: str, limit: int = 5) -> Any:
    query = q.strip()[:500]
    return {"query": query, "results": [_hit(h) for h in selectors.search(query, limit=limit)] if query else []}


@router.get("/articles/{key}", response=ArticleOut, auth=None, summary="One published, valid article")
def article(request: HttpRequest, key: str) -> Any:
    found = selectors.public_article(key)
    return {
        "key": found.key,
        "title": found.display_title,
        "body": found.body,
        "variants": found.variants,
        "version": found.version,
        "department": _department(found),
        "category": found.category.path_name if found.category else "",
        "valid_from": found.valid_from,
        "valid_to": found.valid_to,
    }


class AnswerIn(Schema):
    article: str
    query: str = ""


class AnswerOut(Schema):
    ticket: str
    article: str
    article_version: int
    answered_at: dt.datetime


@router.post(
    "/tickets/{number}/answer", response={201: AnswerOut}, summary="Close an enquiry with an article (直接答复)"
)
def answer(request: HttpRequest, number: str, payload: AnswerIn) -> Any:
    require_scope(request, "hotline")
    ticket = hotline_selectors.get_ticket(actor_of(request), number)
    found = Article.objects.filter(key=payload.article).first()
    if found is None:
        raise NotFound(f"article {payload.article}")
    done = services.answer_with_article(actor_of(request), ticket, found, query=payload.query)
    return Status(
        201,
        {
            "ticket": ticket.number,
            "article": found.key,
            "article_version": done.article_version,
            "answered_at": done.answered_at,
        },
    )
