"""Staff pages: the agent's call intake, work queues, the ticket page with its actions, inbound
messages. Each action is a POST that calls one service function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pengcheng.core.console_views import staff_required
from pengcheng.core.errors import NotFound, ValidationFailed
from pengcheng.hotline import access, classifier, lifecycle, selectors, services
from pengcheng.hotline.forms import CallForm, DispatchForm, category_label
from pengcheng.hotline.models import (
    Channel,
    ExtensionRequest,
    InboundChannel,
    InboundMessage,
    InboundStatus,
    Rating,
    RequestType,
    Status,
    Ticket,
    Urgency,
)
from pengcheng.hotline.views import add_errors, category_options

INBOUND_TO_TICKET_CHANNEL = {
    InboundChannel.SMS: Channel.SMS,
    InboundChannel.EMAIL: Channel.EMAIL,
    InboundChannel.WECHAT: Channel.WECHAT,
}


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    actor = request.user
    counts = selectors.queue_counts(actor)
    name = request.GET.get("queue") or selectors.default_queue(actor)
    if name not in selectors.QUEUES:
        name = "all"
    filters = {
        "text": request.GET.get("q", "").strip(),
        "request_type": request.GET.get("type", ""),
        "district": request.GET.get("district", ""),
        "sort": request.GET.get("sort", "due"),
    }
    tickets = selectors.queue(actor, name, **filters)
    page = Paginator(tickets, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "hotline/console/queue.html",
        {
            "page": page,
            "queue": name,
            "counts": counts,
            "filters": filters,
            "types": RequestType.choices,
            "now": timezone.now(),
            "scope": access.hotline_scope(actor),
        },
    )


def _call_input(data: dict[str, Any], channel: str) -> services.TicketInput:
    return services.TicketInput(
        request_type=data["request_type"],
        description=data["description"],
        channel=channel,
        title=data["title"],
        category=data["category"],
        urgency=data["urgency"],
        caller_phone=data["caller_phone"],
        caller_name=data["caller_name"],
        anonymous=data["anonymous"],
        address=data["address"],
    )


def _finish_intake(request: HttpRequest, form: CallForm, ticket: Ticket) -> HttpResponse:
    """After creating a ticket from a call or message: answer it, or dispatch it per routing."""
    actor = request.user
    answer = form.cleaned_data["answer"].strip()
    if answer:
        services.answer_directly(actor, ticket, answer)
        messages.success(request, _("Ticket %(n)s answered and closed.") % {"n": ticket.number})
        return redirect("hotline:ticket", number=ticket.number)
    ticket.refresh_from_db()
    if ticket.status == Status.RECEIVED and form.cleaned_data["dispatch_now"] and ticket.routed_department_id:
        services.dispatch(actor, ticket, ticket.routed_department_id, [], note=_("Dispatched during the call."))
        ticket.refresh_from_db()
        messages.success(
            request,
            _("Ticket %(n)s dispatched to %(d)s.") % {"n": ticket.number, "d": ticket.lead_department},
        )
    else:
        messages.success(request, _("Ticket %(n)s created.") % {"n": ticket.number})
    return redirect("hotline:ticket", number=ticket.number)


@staff_required
@require_http_methods(["GET", "POST"])
def call(request: HttpRequest) -> HttpResponse:
    """Taking a phone call: look the caller up, see their history, type the ticket."""
    access.require_dispatcher(request.user, "call")
    phone = request.GET.get("phone", "").strip()
    initial = {"caller_phone": phone, "dispatch_now": True, "urgency": Urgency.NORMAL}
    caller, history = selectors.caller_history(request.user, phone) if phone else (None, [])
    if caller is not None:
        initial["caller_name"] = caller.name
    form = CallForm(request.POST or None, initial=initial)
    if phone:  # the caller is known: the agent goes on with the request itself
        form.fields["request_type"].widget.attrs["autofocus"] = True
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.create_ticket(
                request.user, _call_input(form.cleaned_data, Channel.PHONE), request=request
            )
        except ValidationFailed as exc:
            add_errors(form, exc, "address")
        else:
            return _finish_intake(request, form, ticket)
    return render(
        request,
        "hotline/console/call.html",
        {"form": form, "phone": phone, "caller": caller, "history": history, "categories": category_options()},
    )


@staff_required
def caller_lookup(request: HttpRequest) -> JsonResponse:
    """The caller's history as JSON, for the call page to show while the agent types."""
    caller, history = selectors.caller_history(request.user, request.GET.get("phone", ""))
    return JsonResponse(
        {
            "found": caller is not None,
            "name": caller.name if caller else "",
            "tickets": [
                {
                    "number": t.number,
                    "title": t.title,
                    "status": str(Status(t.status).label),
                    "received": timezone.localtime(t.created_at).strftime("%Y-%m-%d"),
                }
                for t in history
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _available(actor: Any, ticket: Ticket) -> set[str]:
    """The actions this actor may take on the ticket now (the services check again)."""
    scope = access.hotline_scope(actor)
    status = ticket.status
    possible = set(lifecycle.actions_from(status))
    mine: set[str] = set()
    if scope.dispatcher:
        mine |= {"dispatch", "answer", "transfer", "return_reply", "close", "rate", "reopen", "merge", "note"}
    if scope.centre_supervisor:
        mine |= {"supervise", "decide_extension"}
    if scope.platform or (ticket.lead_department_id in scope.departments):
        mine |= {"accept", "refuse", "reply", "request_extension", "transfer", "note"}
    if access.active_assist_departments(ticket) & scope.departments:
        mine |= {"opinion", "note"}
    available = possible & mine
    if status == Status.RATED and ticket.rating != Rating.UNSATISFIED:
        available.discard("reopen")
    return available


@staff_required
def ticket_page(request: HttpRequest, number: str) -> HttpResponse:
    actor = request.user
    ticket = selectors.get_ticket(actor, number)
    available = _available(actor, ticket)
    dispatch_form = None
    if "dispatch" in available:
        dispatch_form = DispatchForm(
            initial={
                "department": ticket.routed_department_id,
                "urgency": ticket.urgency,
                "category": category_label(ticket.category) if ticket.category else "",
            }
        )
    scope = access.hotline_scope(actor)
    transfer_targets = (
        selectors.department_choices() if scope.dispatcher else selectors.child_departments(ticket.lead_department_id)
    )
    return render(
        request,
        "hotline/console/ticket.html",
        {
            "ticket": ticket,
            "caller": selectors.caller_view(actor, ticket),
            "events": selectors.timeline(ticket),
            "assignments": selectors.assignments(ticket),
            "extension": selectors.pending_extension(ticket),
            "duplicates": selectors.duplicates(ticket),
            "refusal": selectors.refusal_reason(ticket) if ticket.status == Status.RECEIVED else "",
            "available": available,
            "dispatch_form": dispatch_form,
            "suggestions": classifier.suggestions(ticket) if "dispatch" in available else [],
            "transfer_targets": transfer_targets if "transfer" in available else [],
            "ratings": Rating.choices,
            "categories": category_options() if dispatch_form else [],
            "attachments": ticket.attachments.all(),
            "now": timezone.now(),
        },
    )


def _text(request: HttpRequest, name: str = "text") -> str:
    return request.POST.get(name, "")


def _department_id(raw: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed({"department": [_("Choose a department.")]}) from None


def _act_dispatch(request: HttpRequest, ticket: Ticket) -> str:
    form = DispatchForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed({k: [str(e) for e in v] for k, v in form.errors.items()})
    data = form.cleaned_data
    services.dispatch(
        request.user,
        ticket,
        data["department"],
        list(data["assisting"]),
        note=data["note"],
        category=data["category"],
        urgency=data["urgency"],
    )
    return _("Dispatched.")


def _act_merge(request: HttpRequest, ticket: Ticket) -> str:
    parent = selectors.ticket_by_number(request.POST.get("parent", ""))
    if parent is None:
        raise ValidationFailed({"parent": [_("No ticket with that number.")]})
    services.merge(request.user, ticket, parent, _text(request, "note"))
    return _("Merged into %(n)s.") % {"n": parent.number}


def _act_extension_decision(request: HttpRequest, ticket: Ticket) -> str:
    extension = ExtensionRequest.objects.filter(pk=request.POST.get("extension", "0") or "0", ticket=ticket).first()
    if extension is None:
        raise NotFound(_("No such extension request."))
    approve = request.POST.get("decision") == "approve"
    services.decide_extension(request.user, extension, approve=approve, note=_text(request, "note"))
    return _("Extension approved.") if approve else _("Extension rejected.")


def _act_extension_request(request: HttpRequest, ticket: Ticket) -> str:
    try:
        days = int(request.POST.get("days", ""))
    except ValueError:
        raise ValidationFailed({"days": [_("Ask for 1 to 30 working days.")]}) from None
    services.request_extension(request.user, ticket, days, _text(request, "reason"))
    return _("Extension requested.")


ACTIONS: dict[str, Callable[[HttpRequest, Ticket], str]] = {
    "dispatch": _act_dispatch,
    "answer": lambda r, t: (services.answer_directly(r.user, t, _text(r)), _("Answered and closed."))[1],
    "accept": lambda r, t: (services.accept(r.user, t), _("Accepted."))[1],
    "refuse": lambda r, t: (services.refuse(r.user, t, _text(r, "reason")), _("Returned to the dispatcher."))[1],
    "transfer": lambda r, t: (
        services.transfer(r.user, t, _department_id(r.POST.get("department", "")), _text(r, "reason")),
        _("Transferred."),
    )[1],
    "request_extension": _act_extension_request,
    "decide_extension": _act_extension_decision,
    "opinion": lambda r, t: (services.give_opinion(r.user, t, _text(r)), _("Opinion recorded."))[1],
    "reply": lambda r, t: (
        services.reply(r.user, t, _text(r), files=r.FILES.getlist("files")),
        _("Reply sent for review."),
    )[1],
    "return_reply": lambda r, t: (services.return_reply(r.user, t, _text(r, "reason")), _("Reply sent back."))[1],
    "close": lambda r, t: (services.close(r.user, t, _text(r, "public_reply")), _("Closed; return visit started."))[1],
    "rate": lambda r, t: (
        services.rate(r.user, t, r.POST.get("rating", ""), _text(r, "comment")),
        _("Rating recorded."),
    )[1],
    "reopen": lambda r, t: (services.reopen(r.user, t, _text(r, "reason")), _("Reopened."))[1],
    "merge": _act_merge,
    "supervise": lambda r, t: (
        services.supervise(r.user, t, on=r.POST.get("on") == "1", reason=_text(r, "reason")),
        _("Supervision updated."),
    )[1],
    "note": lambda r, t: (services.add_note(r.user, t, _text(r)), _("Note added."))[1],
}


@staff_required
@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    handler = ACTIONS.get(action)
    if handler is None:
        raise NotFound(_("Unknown action."))
    ticket = selectors.get_ticket(request.user, number)
    try:
        message = handler(request, ticket)
    except ValidationFailed as exc:
        for problems in exc.field_errors.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, message)
    return redirect("hotline:ticket", number=number)


# Inbound messages -----------------------------------------------------------------------------------


@staff_required
def inbound(request: HttpRequest) -> HttpResponse:
    access.require_dispatcher(request.user, "inbound")
    status = request.GET.get("status", InboundStatus.NEW)
    found = InboundMessage.objects.select_related("ticket")
    if status in InboundStatus.values:
        found = found.filter(status=status)
    page = Paginator(found.order_by("received_at", "id"), 25).get_page(request.GET.get("page"))
    return render(
        request, "hotline/console/inbound.html", {"page": page, "status": status, "statuses": InboundStatus.choices}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def inbound_message(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_dispatcher(request.user, "inbound")
    message = InboundMessage.objects.filter(pk=pk).first()
    if message is None:
        raise NotFound(_("No such message."))
    if request.method == "POST" and request.POST.get("ignore") == "1":
        services.ignore_message(request.user, message)
        messages.success(request, _("Message set aside."))
        return redirect("hotline:inbound")
    sender_phone = services.normalise_phone(message.sender) if message.channel != InboundChannel.EMAIL else ""
    form = CallForm(
        request.POST or None,
        initial={
            "caller_phone": sender_phone if sender_phone.isdigit() else "",
            "caller_name": message.sender_name,
            "title": message.subject,
            "description": message.body,
            "dispatch_now": True,
        },
    )
    if request.method == "POST" and form.is_valid():
        info = _call_input(form.cleaned_data, INBOUND_TO_TICKET_CHANNEL[InboundChannel(message.channel)])
        if message.channel == InboundChannel.EMAIL:
            info.caller_email = message.sender
        try:
            ticket = services.ticket_from_message(request.user, message, info)
        except ValidationFailed as exc:
            add_errors(form, exc, "address")
        else:
            return _finish_intake(request, form, ticket)
    return render(
        request,
        "hotline/console/inbound_message.html",
        {"message": message, "form": form, "categories": category_options()},
    )
