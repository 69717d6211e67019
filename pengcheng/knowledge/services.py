"""State changes of the knowledge base. Each function checks its own permission, changes the article
atomically, keeps the previous version, writes an audit record and tells the search index.

Who edits: operators and administrators, 12345-centre supervisors, and supervisors of the
article's owning department. Agents search and answer with published articles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.audit.services import record as audit
from pengcheng.core.actors import SYSTEM, MaybeActor
from pengcheng.core.errors import AccessDenied, Conflict, ValidationFailed
from pengcheng.core.models import Department, Role, User
from pengcheng.core.permissions import scope_of
from pengcheng.hotline import access as hotline_access
from pengcheng.hotline import services as hotline_services
from pengcheng.hotline.models import Category, RequestType, Ticket
from pengcheng.knowledge import engine, search
from pengcheng.knowledge.models import Article, ArticleStatus, ArticleVersion, DirectAnswer, SearchModel

BODY_LIMIT = 20000
TITLE_LIMIT = 200
VARIANT_LIMIT = 300
MAX_VARIANTS = 50
DEFAULT_REVIEW_DAYS = 365


# Permissions ------------------------------------------------------------------------------------


def can_edit(actor: MaybeActor, department_id: int | None = None) -> bool:
    """Operators, administrators, 12345-centre supervisors, or a supervisor of the owning department."""
    scope = scope_of(actor)
    if scope.platform_wide or hotline_access.hotline_scope(actor).centre_supervisor:
        return True
    return department_id is not None and department_id in scope.departments_with(Role.SUPERVISOR)


def require_editor(
    actor: MaybeActor, action: str, article: Article | None = None, department_id: int | None = None
) -> None:
    wanted = department_id if department_id is not None else (article.department_id if article else None)
    if not can_edit(actor, wanted):
        raise AccessDenied(f"knowledge.{action}", target=article, reason="knowledge editors only")


def can_search_internal(actor: MaybeActor) -> bool:
    """Agents, supervisors (who may own articles) and editors use the console pages and suggestions;
    the public page is open to anyone."""
    scope = scope_of(actor)
    return hotline_access.hotline_scope(actor).dispatcher or scope.platform_wide or Role.SUPERVISOR in scope.roles


# Input ------------------------------------------------------------------------------------------


@dataclass
class ArticleInput:
    """What an editor (or an import row) gives for an article."""

    body: str
    title: str = ""
    variants: list[str] = field(default_factory=list)
    category: Category | None = None
    department: Department | None = None
    source_department: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    review_days: int = DEFAULT_REVIEW_DAYS
    key: str = ""


def clean_variants(raw: Sequence[str] | str) -> list[str]:
    """Question variants from a list or from text with one per line (or separated by ｜/|)."""
    items = raw.replace("｜", "\n").replace("|", "\n").splitlines() if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        text = " ".join(str(item).split())
        if text and text not in out:
            out.append(text)
    return out


def validate(data: ArticleInput) -> ArticleInput:
    """Every problem at once, as ``ValidationFailed``."""
    errors: dict[str, list[str]] = {}
    data.body = (data.body or "").strip()
    data.title = " ".join((data.title or "").split())
    data.variants = clean_variants(data.variants)
    if not data.body:
        errors["body"] = [_("Write the answer.")]
    elif len(data.body) > BODY_LIMIT:
        errors["body"] = [_("The answer is longer than %(n)s characters.") % {"n": BODY_LIMIT}]
    if len(data.title) > TITLE_LIMIT:
        errors["title"] = [_("The title is longer than %(n)s characters.") % {"n": TITLE_LIMIT}]
    if len(data.variants) > MAX_VARIANTS or any(len(v) > VARIANT_LIMIT for v in data.variants):
        errors["variants"] = [
            _("At most %(n)s question variants of at most %(c)s characters each.")
            % {"n": MAX_VARIANTS, "c": VARIANT_LIMIT}
        ]
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        errors["valid_to"] = [_("The end of validity is before its start.")]
    if not 1 <= int(data.review_days or 0) <= 3650:
        errors["review_days"] = [_("The review cycle is 1 to 3650 days.")]
    if data.key and (len(data.key) > 40 or not data.key.strip()):
        errors["key"] = [_("The number has at most 40 characters.")]
    if errors:
        raise ValidationFailed(errors)
    return data


def _snapshot(article: Article, actor: MaybeActor, note: str) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        variants=article.variants,
        category_id_snapshot=article.category_id,
        department_id_snapshot=article.department_id,
        status=article.status,
        valid_from=article.valid_from,
        valid_to=article.valid_to,
        saved_by=actor if isinstance(actor, User) else None,
        note=note[:300],
    )


def _apply(article: Article, data: ArticleInput) -> None:
    article.title = data.title
    article.body = data.body
    article.variants = data.variants
    article.category = data.category
    article.department = data.department
    article.source_department = data.source_department[:100]
    article.valid_from = data.valid_from
    article.valid_to = data.valid_to
    article.review_days = int(data.review_days)
    article.search_terms = engine.analyse(data.body, data.title, data.variants).to_json()


def next_key() -> str:
    last = Article.objects.filter(key__startswith="KB").order_by("-key").values_list("key", flat=True).first()
    number = int(last[2:]) + 1 if last and last[2:].isdigit() else 1
    return f"KB{number:06d}"


# Article lifecycle ------------------------------------------------------------------------------


def create_article(actor: MaybeActor, data: ArticleInput, *, publish: bool = False) -> Article:
    """新建知识: a draft (or, with ``publish``, published at once) with version 1."""
    require_editor(actor, "create", department_id=data.department.pk if data.department else None)
    data = validate(data)
    today = timezone.localdate()
    with transaction.atomic():
        key = data.key.strip() or next_key()
        if Article.objects.filter(key=key).exists():
            raise ValidationFailed({"key": [_("Article %(key)s already exists.") % {"key": key}]})
        article = Article(key=key, version=1, next_review_on=today + dt.timedelta(days=int(data.review_days)))
        _apply(article, data)
        if publish:
            article.status = ArticleStatus.PUBLISHED
            article.published_at = timezone.now()
        article.save(force_insert=True)
        _snapshot(article, actor, _("Created"))
        audit(actor, "knowledge.created", article, summary=f"{article.key} {article.status}")
        search.invalidate()
    return article


def _lock(article: Article) -> Article:
    return Article.objects.select_for_update().get(pk=article.pk)


def update_article(actor: MaybeActor, article: Article, data: ArticleInput, note: str = "") -> Article:
    """修订: save a new version; the previous stays in the history."""
    require_editor(actor, "update", article)
    if data.department is not None and data.department.pk != article.department_id:
        require_editor(actor, "update", department_id=data.department.pk)
    data = validate(data)
    with transaction.atomic():
        article = _lock(article)
        _apply(article, data)
        article.version += 1
        article.updated_at = timezone.now()
        article.save()
        _snapshot(article, actor, note or _("Edited"))
        audit(
            actor, "knowledge.updated", article, summary=f"{article.key} v{article.version}", data={"note": note[:200]}
        )
        search.invalidate()
    return article


def publish(actor: MaybeActor, article: Article) -> Article:
    """发布: a draft or expired article becomes answerable (within its validity dates)."""
    require_editor(actor, "publish", article)
    with transaction.atomic():
        article = _lock(article)
        if article.status == ArticleStatus.PUBLISHED:
            raise Conflict(_("Article %(key)s is already published.") % {"key": article.key}, code="already_published")
        today = timezone.localdate()
        if article.valid_to and article.valid_to < today:
            raise Conflict(
                _("Article %(key)s was valid only until %(date)s: change its validity first.")
                % {"key": article.key, "date": article.valid_to},
                code="validity_over",
            )
        article.status = ArticleStatus.PUBLISHED
        article.published_at = timezone.now()
        article.updated_at = article.published_at
        article.save(update_fields=["status", "published_at", "updated_at"])
        audit(actor, "knowledge.published", article, summary=f"{article.key} v{article.version}")
        search.invalidate()
    return article


def expire(actor: MaybeActor, article: Article, reason: str = "") -> Article:
    """失效: the article is withdrawn from search and suggestions."""
    if actor is not SYSTEM:
        require_editor(actor, "expire", article)
    with transaction.atomic():
        article = _lock(article)
        if article.status == ArticleStatus.EXPIRED:
            raise Conflict(_("Article %(key)s has already expired.") % {"key": article.key}, code="already_expired")
        article.status = ArticleStatus.EXPIRED
        article.updated_at = timezone.now()
        article.save(update_fields=["status", "updated_at"])
        audit(actor, "knowledge.expired", article, summary=f"{article.key}: {reason}"[:300])
        search.invalidate()
    return article


def mark_reviewed(actor: MaybeActor, article: Article) -> Article:
    """定期复核: the content was checked; the next review is one cycle from today."""
    require_editor(actor, "review", article)
    with transaction.atomic():
        article = _lock(article)
        article.next_review_on = timezone.localdate() + dt.timedelta(days=article.review_days)
        article.save(update_fields=["next_review_on"])
        audit(actor, "knowledge.reviewed", article, summary=f"{article.key} next {article.next_review_on}")
    return article


def expire_past_validity(on: dt.date | None = None) -> int:
    """The nightly sweep: published articles whose validity has ended become expired (audited)."""
    day = on or timezone.localdate()
    count = 0
    for article in Article.objects.filter(status=ArticleStatus.PUBLISHED, valid_to__lt=day):
        expire(SYSTEM, article, reason=f"valid until {article.valid_to}")
        count += 1
    return count


# Direct answers ---------------------------------------------------------------------------------


def answer_with_article(actor: MaybeActor, ticket: Ticket, article: Article, query: str = "") -> DirectAnswer:
    """直接答复: close an enquiry with a published article, recording which article and version."""
    hotline_access.require_dispatcher(actor, "answer", ticket)
    if ticket.request_type != RequestType.CONSULTATION:
        raise ValidationFailed({"request_type": [_("Only enquiries (咨询) are answered from the knowledge base.")]})
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if not is_answerable(article):
            raise Conflict(
                _("Article %(key)s is not published and valid today.") % {"key": article.key}, code="not_answerable"
            )
        hotline_services.answer_directly(actor, ticket, article.body)
        answer = DirectAnswer.objects.create(
            ticket=ticket,
            article=article,
            article_version=article.version,
            answered_by=actor if isinstance(actor, User) else None,
            query=query[:500],
        )
        audit(
            actor,
            "knowledge.direct_answer",
            ticket,
            summary=f"{ticket.number} ← {article.key} v{article.version}",
            data={"article": article.key, "version": article.version},
        )
    return answer


def is_answerable(article: Article, on: dt.date | None = None) -> bool:
    day = on or timezone.localdate()
    return (
        article.status == ArticleStatus.PUBLISHED
        and (article.valid_from is None or article.valid_from <= day)
        and (article.valid_to is None or article.valid_to >= day)
    )


# The learned search model -----------------------------------------------------------------------


def train_search_model(
    actor: MaybeActor, pairs: Sequence[tuple[str, str]], source: str = "", progress: Any = None
) -> SearchModel:
    """Learn the re-ranker from real question → article-number pairs and make the
    result the active model (the previous stays, inactive, for rollback)."""
    if actor is not SYSTEM:
        require_editor(actor, "train")
    documents = search.documents_from_db(published_only=False)
    known = {d.key for d in documents}
    usable = [(q, k) for q, k in pairs if k in known]
    if not usable:
        raise ValidationFailed({"queries": [_("No question names an article in the knowledge base.")]})
    learned = engine.train(documents, usable, progress=progress)
    with transaction.atomic():
        SearchModel.objects.filter(active=True).update(active=False)
        model = SearchModel.objects.create(
            trained_on=learned.trained_on, source=source[:300], parameters=learned.to_json(), active=True
        )
        audit(actor, "knowledge.search_model_trained", model, summary=f"{learned.trained_on} pairs from {source}"[:300])
        search.invalidate()
    return model
