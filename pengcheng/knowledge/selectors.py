"""Reads of the knowledge base: search (agents, citizens and the API share it), review lists, and
the direct-answer rate shown to 12345 supervisors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from pengcheng.core.actors import MaybeActor
from pengcheng.core.errors import NotFound
from pengcheng.core.permissions import scope_of
from pengcheng.hotline import access as hotline_access
from pengcheng.hotline.models import RequestType, Status, Ticket
from pengcheng.knowledge import search as search_index
from pengcheng.knowledge.models import Article, ArticleStatus, ArticleVersion, DirectAnswer

MAX_RESULTS = 20


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float


def answerable_filter(on: dt.date) -> Q:
    return (
        Q(status=ArticleStatus.PUBLISHED)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    )


def search(query: str, limit: int = 5, on: dt.date | None = None) -> list[Hit]:
    """知识检索: the best answerable articles for ``query``, best first. The database is asked again
    for the hits, so an article expired a moment ago in another process is still never returned."""
    day = on or timezone.localdate()
    limit = max(1, min(int(limit), MAX_RESULTS))
    found = search_index.search(query, limit=limit + 5, on=day)  # spares for hits a stale index still holds
    if not found:
        return []
    rows = {
        a.key: a
        for a in Article.objects.filter(answerable_filter(day), key__in=[k for k, _ in found]).select_related(
            "category", "department"
        )
    }
    return [Hit(rows[key], score) for key, score in found if key in rows][:limit]


def article(key: str) -> Article:
    found = Article.objects.select_related("category", "department").filter(key=key).first()
    if found is None:
        raise NotFound(f"article {key}")
    return found


def public_article(key: str, on: dt.date | None = None) -> Article:
    """An article citizens may read: published and valid today."""
    found = Article.objects.filter(answerable_filter(on or timezone.localdate()), key=key).first()
    if found is None:
        raise NotFound(f"article {key}")
    return found


def versions(article: Article) -> QuerySet[ArticleVersion]:
    return article.versions.select_related("saved_by").order_by("-number")


def articles(*, status: str = "", text: str = "", due: bool = False, on: dt.date | None = None) -> QuerySet[Article]:
    rows = Article.objects.select_related("category", "department")
    if status:
        rows = rows.filter(status=status)
    if text:
        rows = rows.filter(Q(key__icontains=text) | Q(title__icontains=text) | Q(body__icontains=text))
    if due:
        rows = rows.filter(due_filter(on or timezone.localdate()))
    return rows.order_by("next_review_on", "key") if due else rows.order_by("key")


def due_filter(on: dt.date) -> Q:
    """待复核: published articles whose review date has come."""
    return Q(status=ArticleStatus.PUBLISHED, next_review_on__lte=on)


def due_count(on: dt.date | None = None) -> int:
    return Article.objects.filter(due_filter(on or timezone.localdate())).count()


@dataclass(frozen=True)
class DirectAnswerRate:
    enquiries: int
    direct: int

    @property
    def rate(self) -> float | None:
        return self.direct / self.enquiries if self.enquiries else None

    @property
    def rate_percent(self) -> float | None:
        return 100 * self.direct / self.enquiries if self.enquiries else None


def _ticket_scope(actor: MaybeActor | None, prefix: str = "") -> Q:
    """The tickets whose figures ``actor`` sees, as on the hotline overview: the platform and the 12345
    centre all; a district supervisor the districts served (None: everything, for commands)."""
    if actor is None:
        return Q()
    hotline = hotline_access.hotline_scope(actor)
    if hotline.platform or hotline.centre_roles:
        return Q()
    prefixes = scope_of(actor).division_prefixes
    if any(len(p) <= 4 for p in prefixes):
        return Q()
    query = Q(pk__in=[])
    for p in prefixes:
        query |= Q(**{f"{prefix}district_code__startswith": p[:6]})
    return query


def direct_answer_rate(start: dt.date, end: dt.date, actor: MaybeActor | None = None) -> DirectAnswerRate:
    """直接答复率: enquiries (咨询) received in [start, end] that were closed by a knowledge-base
    direct answer, over all enquiries received then (merged duplicates are not counted), within
    what ``actor`` may see."""
    enquiries = Ticket.objects.filter(
        _ticket_scope(actor), request_type=RequestType.CONSULTATION, received_on__gte=start, received_on__lte=end
    ).exclude(status=Status.MERGED)
    direct = DirectAnswer.objects.filter(
        _ticket_scope(actor, "ticket__"),
        ticket__request_type=RequestType.CONSULTATION,
        ticket__received_on__gte=start,
        ticket__received_on__lte=end,
    ).exclude(ticket__status=Status.MERGED)
    return DirectAnswerRate(enquiries.count(), direct.count())


def answer_for(ticket: Ticket) -> DirectAnswer | None:
    return DirectAnswer.objects.select_related("article", "answered_by").filter(ticket=ticket).first()
