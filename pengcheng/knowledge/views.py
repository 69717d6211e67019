"""Knowledge-base pages: the citizens' Q&A page, the editors' console, the agents' live suggestions
(JSON) and the direct answer from the call-intake form. Each action calls one service function."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pengcheng.core.console_views import paginate, staff_required
from pengcheng.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from pengcheng.core.models import Role
from pengcheng.core.permissions import scope_of
from pengcheng.hotline import access as hotline_access
from pengcheng.hotline import services as hotline_services
from pengcheng.hotline.forms import CallForm, category_label
from pengcheng.hotline.models import Channel
from pengcheng.hotline.views import add_errors, category_options
from pengcheng.knowledge import selectors, services
from pengcheng.knowledge.forms import ArticleForm
from pengcheng.knowledge.models import Article, ArticleStatus

EXCERPT = 120
MAX_QUERY = 500


def excerpt(text: str, length: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat[:length] + ("…" if len(flat) > length else "")


def hit_json(hit: selectors.Hit) -> dict[str, Any]:
    article = hit.article
    return {
        "key": article.key,
        "title": article.display_title,
        "excerpt": excerpt(article.body),
        "body": article.body,
        "version": article.version,
        "department": (article.department.short_name or article.department.name)
        if article.department
        else article.source_department,
        "category": article.category.path_name if article.category else "",
        "score": round(hit.score, 4),
    }


# Citizens ---------------------------------------------------------------------------------------


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    """自助问答: citizens search the published answers, no login needed."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    hits = selectors.search(query, limit=10) if query else []
    return render(request, "knowledge/public.html", {"q": query, "hits": hits})


@require_GET
def public_article(request: HttpRequest, key: str) -> HttpResponse:
    return render(request, "knowledge/public_article.html", {"article": selectors.public_article(key)})


# Agents -----------------------------------------------------------------------------------------


@staff_required
@require_GET
def suggest(request: HttpRequest) -> JsonResponse:
    """Live suggestions while an agent types an enquiry (JSON for the intake page's script)."""
    if not services.can_search_internal(request.user):
        raise AccessDenied("knowledge.suggest", reason="12345 agents and knowledge editors only")
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    hits = selectors.search(query, limit=5) if len(query) >= 2 else []
    return JsonResponse(
        {"query": query, "results": [hit_json(h) for h in hits]}, json_dumps_params={"ensure_ascii": False}
    )


def _intake_input(form: CallForm) -> hotline_services.TicketInput:
    data = form.cleaned_data
    return hotline_services.TicketInput(
        request_type=data["request_type"],
        description=data["description"],
        channel=Channel.PHONE,
        title=data["title"],
        category=data["category"],
        urgency=data["urgency"],
        caller_phone=data["caller_phone"],
        caller_name=data["caller_name"],
        anonymous=data["anonymous"],
        address=data["address"],
    )


@staff_required
@require_POST
def intake_answer(request: HttpRequest) -> HttpResponse:
    """直接答复 from the call page: the ticket is taken and closed with the chosen article in one step."""
    hotline_access.require_dispatcher(request.user, "answer")
    form = CallForm(request.POST)
    key = request.POST.get("kb_article", "").strip()
    article = Article.objects.filter(key=key).first() if key else None
    if article is None:
        form.add_error(None, _("Choose an answer from the suggestions first."))
    if form.is_valid() and article is not None:
        try:
            with transaction.atomic():
                ticket = hotline_services.create_ticket(request.user, _intake_input(form), request=request)
                services.answer_with_article(request.user, ticket, article, query=form.cleaned_data["description"])
        except ValidationFailed as exc:
            add_errors(form, exc, None)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Ticket %(n)s answered directly with %(key)s and closed.") % {"n": ticket.number, "key": article.key},
            )
            return redirect("hotline:ticket", number=ticket.number)
    return render(
        request,
        "hotline/console/call.html",
        {"form": form, "phone": "", "caller": None, "history": [], "categories": category_options()},
        status=422,
    )


# Editors ----------------------------------------------------------------------------------------


@staff_required
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    if not services.can_search_internal(request.user):
        raise AccessDenied("knowledge.manage", reason="12345 agents and knowledge editors only")
    status = request.GET.get("status", "")
    if status not in ArticleStatus.values:
        status = ""
    text = request.GET.get("q", "").strip()[:100]
    due = request.GET.get("due") == "1"
    rows = selectors.articles(status=status, text=text, due=due)
    return render(
        request,
        "knowledge/manage.html",
        {
            "page": paginate(request, rows),
            "status": status,
            "q": text,
            "due": due,
            "due_count": selectors.due_count(),
            "statuses": ArticleStatus.choices,
            "can_edit": services.can_edit(request.user),
            "today": timezone.localdate(),
        },
    )


def _form_context(form: ArticleForm, article: Article | None) -> dict[str, Any]:
    return {"form": form, "article": article, "categories": category_options()}


@staff_required
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    if not (services.can_edit(request.user) or scope_of(request.user).departments_with(Role.SUPERVISOR)):
        raise AccessDenied("knowledge.create", reason="knowledge editors only")
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.create_article(request.user, form.to_input(), publish="publish" in request.POST)
        except ValidationFailed as exc:
            add_errors(form, exc, None)
        else:
            messages.success(request, _("Article %(key)s saved.") % {"key": article.key})
            return redirect("knowledge:article", key=article.key)
    return render(request, "knowledge/edit.html", _form_context(form, None))


@staff_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, key: str) -> HttpResponse:
    article = selectors.article(key)
    services.require_editor(request.user, "update", article)
    initial = {
        "title": article.title,
        "body": article.body,
        "variants": "\n".join(article.variants),
        "category": category_label(article.category) if article.category else "",
        "department": article.department_id,
        "valid_from": article.valid_from,
        "valid_to": article.valid_to,
        "review_days": article.review_days,
    }
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.update_article(request.user, article, form.to_input(), note=form.cleaned_data["note"])
        except ValidationFailed as exc:
            add_errors(form, exc, None)
        else:
            messages.success(request, _("Article %(key)s saved as version %(v)s.") % {"key": key, "v": article.version})
            return redirect("knowledge:article", key=key)
    return render(request, "knowledge/edit.html", _form_context(form, article))


@staff_required
@require_GET
def article_page(request: HttpRequest, key: str) -> HttpResponse:
    if not services.can_search_internal(request.user):
        raise AccessDenied("knowledge.view", reason="12345 agents and knowledge editors only")
    article = selectors.article(key)
    return render(
        request,
        "knowledge/article.html",
        {
            "article": article,
            "versions": selectors.versions(article),
            "answers": article.answers.select_related("ticket", "answered_by")[:20],
            "can_edit": services.can_edit(request.user, article.department_id),
            "answerable": services.is_answerable(article),
            "today": timezone.localdate(),
        },
    )


ACTIONS = {
    "publish": (lambda r, a: services.publish(r.user, a), _("Published.")),
    "expire": (lambda r, a: services.expire(r.user, a, r.POST.get("reason", "")), _("Expired.")),
    "reviewed": (lambda r, a: services.mark_reviewed(r.user, a), _("Marked as reviewed.")),
}


@staff_required
@require_POST
def article_act(request: HttpRequest, key: str, action: str) -> HttpResponse:
    article = selectors.article(key)
    if action not in ACTIONS:
        raise NotFound(f"action {action}")
    func, message = ACTIONS[action]
    try:
        func(request, article)
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, str(message))
    return redirect(reverse("knowledge:article", args=[key]))
