from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pengcheng.core.models import User
from pengcheng.notifications import selectors, services


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(user, unread_only=unread_only), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread": selectors.unread_count(user),
        },
    )


@login_required
@require_POST
def open_message(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a message read and follow its link (or return to the inbox)."""
    message = services.mark_read(cast(User, request.user), pk)
    target = message.url or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(cast(User, request.user))
    return redirect("notifications:inbox")
