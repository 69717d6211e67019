"""Citizen pages: report a problem, follow it, rate the answer. Business rules are in ``services``."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from pengcheng.core.errors import AccessDenied, NotFound, ValidationFailed
from pengcheng.core.models import User
from pengcheng.hotline import access, location, selectors, services
from pengcheng.hotline.forms import RateForm, ReportForm, TrackForm, category_label
from pengcheng.hotline.models import Attachment, Channel, Status, Ticket

TRACKED_SESSION_KEY = "pengcheng.hotline.tracked"


def add_errors(form: Any, exc: ValidationFailed, default_field: str | None = None) -> None:
    """Put a service's field errors on the form (unknown fields go to the form as a whole)."""
    for field_name, problems in exc.field_errors.items():
        target = field_name if field_name in form.fields else default_field
        for problem in problems:
            form.add_error(target, problem)


def category_options() -> list[tuple[str, str]]:
    return [(category_label(c), c.path_name) for c in selectors.services()]


def portal(request: HttpRequest) -> HttpResponse:
    mine = selectors.tickets_of_user(request.user)[:5] if request.user.is_authenticated else []
    return render(request, "hotline/portal/index.html", {"mine": mine})


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = cast(User, request.user)
        info = services.TicketInput(
            request_type=data["request_type"],
            description=data["description"],
            channel=Channel.PORTAL,
            title=data["title"],
            category=data["category"],
            caller_phone=user.phone or "",
            caller_name=user.full_name,
            caller_email=user.email,
            anonymous=data["anonymous"],
            address=data["address"],
            lat=data["lat"],
            lng=data["lng"],
            coord_system=data["coord_system"],
        )
        try:
            ticket = services.create_ticket(user, info, files=data["photos"], request=request)
        except ValidationFailed as exc:
            add_errors(form, exc, "address")
        else:
            messages.success(request, _("Received. Your ticket number is %(number)s.") % {"number": ticket.number})
            return redirect("hotline:my-ticket", number=ticket.number)
    return render(
        request,
        "hotline/portal/submit.html",
        {"form": form, "categories": category_options(), "map": location.district_map().svg()},
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.tickets_of_user(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "hotline/portal/mine.html", {"page": page})


def _citizen_ticket(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """The caller's view of a ticket (reached by account, verified tracking or the SMS link), with
    the rating form once it is closed."""
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rate(
                request.user,
                ticket,
                form.cleaned_data["rating"],
                form.cleaned_data["comment"],
                verified_caller=True,
            )
        except ValidationFailed as exc:
            add_errors(form, exc, "rating")
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect(request.path)
    ticket.refresh_from_db()
    return render(
        request,
        "hotline/portal/ticket.html",
        {
            "ticket": ticket,
            "events": selectors.timeline(ticket, public_only=True),
            "description": selectors.public_text(ticket.description),
            "reply": selectors.public_text(ticket.public_reply),
            "form": form if ticket.status == Status.CLOSED else None,
            "attachments": ticket.attachments.all(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_ticket(request: HttpRequest, number: str) -> HttpResponse:
    ticket = selectors.ticket_by_number(number)
    if ticket is None or not selectors.owns(request.user, ticket):
        raise NotFound(_("You have no ticket numbered %(number)s.") % {"number": number})
    return _citizen_ticket(request, ticket)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Follow a ticket with its number and the phone it was reported from: a code is texted to that
    phone, and the page opens once it is entered."""
    form = TrackForm(request.POST or None)
    code_sent = False
    if request.method == "POST" and form.is_valid():
        number, phone, code = (form.cleaned_data[k] for k in ("number", "phone", "code"))
        if not code:
            services.send_tracking_code(number, phone)
            code_sent = True
            messages.info(
                request,
                _("If the number and phone match a ticket, a code has been sent to that phone by SMS."),
            )
        else:
            ticket = services.verify_tracking_code(number, phone, code)
            if ticket is None:
                form.add_error("code", _("The code is wrong or has expired. Ask for a new one."))
                code_sent = True
            else:
                tracked = set(request.session.get(TRACKED_SESSION_KEY, []))
                tracked.add(ticket.pk)
                request.session[TRACKED_SESSION_KEY] = sorted(tracked)
                return redirect("hotline:tracked", number=ticket.number)
    return render(request, "hotline/portal/track.html", {"form": form, "code_sent": code_sent})


@never_cache
@require_http_methods(["GET", "POST"])
def tracked(request: HttpRequest, number: str) -> HttpResponse:
    ticket = selectors.ticket_by_number(number)
    if ticket is None or ticket.pk not in request.session.get(TRACKED_SESSION_KEY, []):
        return redirect("hotline:track")
    return _citizen_ticket(request, ticket)


@never_cache
@require_http_methods(["GET", "POST"])
def rate_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The return-visit link sent by SMS: it proves the caller received the message."""
    ticket = services.ticket_from_rating_token(token)
    return _citizen_ticket(request, ticket)


def attachment(request: HttpRequest, pk: int) -> FileResponse:
    item = Attachment.objects.select_related("ticket", "ticket__caller").filter(pk=pk).first()
    if item is None:
        raise NotFound(_("No such file."))
    ticket = item.ticket
    allowed = (
        selectors.owns(request.user, ticket)
        or ticket.pk in request.session.get(TRACKED_SESSION_KEY, [])
        or (request.user.is_authenticated and access.can_view(request.user, ticket))
    )
    if not allowed:
        raise AccessDenied("hotline.attachment", target=ticket, reason="not the caller or the handling chain")
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Content-Disposition"] = f'inline; filename="{item.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response
