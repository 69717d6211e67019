"""Reads for 12345 tickets: lookups, work queues, caller history, the public view of a ticket."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from pengcheng.core import identifiers
from pengcheng.core.actors import MaybeActor
from pengcheng.core.errors import NotFound
from pengcheng.core.models import Department
from pengcheng.hotline import access
from pengcheng.hotline.models import (
    OPEN_STATUSES,
    Caller,
    Category,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    RequestType,
    Status,
    Ticket,
    TicketAssignment,
    TicketEvent,
    parse_ticket_number,
)

# Categories ---------------------------------------------------------------------------------------

_CACHE_SECONDS = 30.0
_lock = threading.Lock()
_categories: dict[str, Any] = {"loaded": 0.0, "by_code": {}, "services": [], "service_codes": set()}


def _category_index() -> dict[str, Category]:
    now = time.monotonic()
    if now - _categories["loaded"] < _CACHE_SECONDS and _categories["by_code"]:
        return _categories["by_code"]
    with _lock:
        index = {category.code: category for category in Category.objects.prefetch_related("attributes")}
        parents = {category.parent_id for category in index.values()}
        # The Open311 services: every active leaf of the category tree, worked out once per load
        # because every Open311 POST asks whether its service code is one.
        leaves = [c for c in sorted(index.values(), key=lambda c: c.code) if c.is_active and c.pk not in parents]
        _categories.update(by_code=index, services=leaves, service_codes={c.code for c in leaves}, loaded=now)
    return index


def forget_categories() -> None:
    _categories["loaded"] = 0.0


def category_by_code(code: str) -> Category | None:
    return _category_index().get(code)


def services() -> list[Category]:
    """The Open311 services: every active leaf of the category tree."""
    _category_index()
    return list(_categories["services"])


def service_by_code(code: str) -> Category | None:
    """The Open311 service with this code, or None when no active leaf category has it."""
    _category_index()
    return _categories["by_code"].get(code) if code in _categories["service_codes"] else None


def top_categories() -> list[Category]:
    return [c for c in sorted(_category_index().values(), key=lambda c: c.code) if c.level == 1]


def find_category(text: str) -> Category | None:
    """A category from its code, its full name (``A / B / C``), a ``label (code)`` choice, or a name
    that only one leaf has."""
    text = (text or "").strip()
    if not text:
        return None
    match = re.search(r"\(([0-9]+)\)\s*$", text)
    if match:
        return category_by_code(match.group(1))
    index = _category_index()
    if text in index:
        return index[text]
    normalised = re.sub(r"\s*[/／>]\s*", " / ", text)
    for category in index.values():
        if category.path_name == normalised:
            return category
    named = [c for c in index.values() if c.name == text]
    if len(named) == 1:
        return named[0]
    leaves = [c for c in services() if c.name == text]
    return leaves[0] if len(leaves) == 1 else None


# Tickets ------------------------------------------------------------------------------------------


def ticket_by_number(number: str) -> Ticket | None:
    parsed = parse_ticket_number(number or "")
    if parsed is None:
        return None
    day, pk = parsed
    return (
        Ticket.objects.select_related("category", "caller", "lead_department", "division", "parent")
        .filter(pk=pk, received_on=day)
        .first()
    )


def get_ticket(actor: MaybeActor, number: str) -> Ticket:
    ticket = ticket_by_number(number)
    if ticket is None:
        raise NotFound(f"No ticket numbered {number!r}.")
    access.require_view(actor, ticket)
    return ticket


QUEUES = (
    "dispatch",  # received: waiting for a dispatcher (new, refused, reopened)
    "review",  # replied: the dispatcher reviews the department's reply
    "visit",  # closed: return visit due
    "unsatisfied",  # rated 不满意: may be reopened
    "accept",  # dispatched to my department
    "handling",  # my department is handling
    "assisting",  # my department assists
    "extensions",  # extension requests waiting for a supervisor
    "overdue",
    "supervised",
    "all",
)

SORTS = {
    "due": ("handle_due", "accept_due", "created_at"),
    "-created": ("-created_at",),
    "created": ("created_at",),
    "urgency": ("-urgency", "created_at"),
}


def queue(
    actor: MaybeActor,
    name: str,
    *,
    text: str = "",
    request_type: str = "",
    district: str = "",
    department: str = "",
    sort: str = "due",
) -> QuerySet[Ticket]:
    """A work queue as the actor may see it. Text searches the number, subject and address."""
    scope = access.hotline_scope(actor)
    tickets = access.visible_tickets(actor)
    now = timezone.now()
    mine = Q(lead_department_id__in=scope.departments)
    if name == "dispatch":
        tickets = tickets.filter(status=Status.RECEIVED)
    elif name == "review":
        tickets = tickets.filter(status=Status.REPLIED)
    elif name == "visit":
        tickets = tickets.filter(status=Status.CLOSED, caller__isnull=False)
    elif name == "unsatisfied":
        tickets = tickets.filter(status=Status.RATED, rating="unsatisfied")
    elif name == "accept":
        tickets = tickets.filter(status=Status.DISPATCHED)
        tickets = tickets if scope.centre_roles or scope.platform else tickets.filter(mine)
    elif name == "handling":
        tickets = tickets.filter(status=Status.HANDLING)
        tickets = tickets if scope.centre_roles or scope.platform else tickets.filter(mine)
    elif name == "assisting":
        assists = TicketAssignment.objects.filter(
            ticket=OuterRef("pk"), role="assist", ended_at__isnull=True, department_id__in=scope.departments
        )
        tickets = tickets.filter(Exists(assists), status__in=[Status.DISPATCHED, Status.HANDLING])
    elif name == "extensions":
        pending = ExtensionRequest.objects.filter(ticket=OuterRef("pk"), status=ExtensionStatus.PENDING)
        tickets = tickets.filter(Exists(pending))
    elif name == "overdue":
        tickets = tickets.filter(
            Q(status=Status.DISPATCHED, accept_due__lt=now)
            | Q(status__in=[Status.DISPATCHED, Status.HANDLING], handle_due__lt=now)
        )
    elif name == "supervised":
        tickets = tickets.filter(supervised=True, status__in=OPEN_STATUSES)
    if text:
        parsed = parse_ticket_number(text)
        query = Q(title__contains=text) | Q(address__contains=text) | Q(caller__phone=text)
        if parsed is not None:
            query |= Q(pk=parsed[1], received_on=parsed[0])
        tickets = tickets.filter(query)
    if request_type in RequestType.values:
        tickets = tickets.filter(request_type=request_type)
    if district:
        tickets = tickets.filter(district_code=district)
    if department:
        tickets = tickets.filter(lead_department__code=department)
    return tickets.select_related("category", "lead_department", "caller").order_by(*SORTS.get(sort, SORTS["due"]))


def default_queue(actor: MaybeActor) -> str:
    scope = access.hotline_scope(actor)
    return "dispatch" if scope.dispatcher else "accept"


def queue_counts(actor: MaybeActor) -> dict[str, int]:
    scope = access.hotline_scope(actor)
    names = (
        ["dispatch", "review", "visit", "unsatisfied", "extensions", "overdue", "supervised"]
        if scope.dispatcher
        else ["accept", "handling", "assisting", "overdue"]
    )
    return {name: queue(actor, name).count() for name in names}


@dataclass(frozen=True)
class CallerView:
    name: str
    phone: str
    id_number: str
    email: str
    masked: bool


def caller_view(actor: MaybeActor, ticket: Ticket) -> CallerView | None:
    """The caller as this actor may see them: in full for the handling chain, masked otherwise."""
    caller = ticket.caller
    if caller is None:
        return None
    if access.can_see_caller(actor, ticket):
        return CallerView(caller.name, caller.phone or "", caller.id_number, caller.email, False)
    return CallerView(
        identifiers.mask_name(caller.name),
        identifiers.mask_phone(caller.phone),
        identifiers.mask_id_number(caller.id_number),
        _mask_email(caller.email),
        True,
    )


def _mask_email(value: str) -> str:
    if "@" not in value:
        return ""
    local, domain = value.split("@", 1)
    return (local[:1] + "***@" + domain) if local else ""


def caller_history(actor: MaybeActor, phone: str) -> tuple[Caller | None, list[Ticket]]:
    """The caller with this phone number and their recent tickets (for the agent taking a call)."""
    access.require_dispatcher(actor, "caller_lookup")
    from pengcheng.hotline.services import normalise_phone

    phone = normalise_phone(phone)
    if not phone:
        return None, []
    caller = Caller.objects.filter(phone=phone).first()
    if caller is None:
        return None, []
    tickets = list(
        Ticket.objects.filter(caller=caller).select_related("category", "lead_department").order_by("-created_at")[:20]
    )
    return caller, tickets


def timeline(ticket: Ticket, *, public_only: bool = False) -> QuerySet[TicketEvent]:
    events = ticket.events.select_related("department", "actor").order_by("at", "id")
    return events.filter(public=True) if public_only else events


def assignments(ticket: Ticket) -> QuerySet[TicketAssignment]:
    return ticket.assignments.select_related("department").order_by("assigned_at", "id")


def pending_extension(ticket: Ticket) -> ExtensionRequest | None:
    return ticket.extensions.filter(status=ExtensionStatus.PENDING).first()


def duplicates(ticket: Ticket) -> QuerySet[Ticket]:
    return Ticket.objects.filter(parent=ticket).order_by("created_at")


def refusal_reason(ticket: Ticket) -> str:
    event = ticket.events.filter(kind=EventKind.REFUSED).order_by("-at").first()
    return event.note if event else ""


def tickets_of_user(user: Any) -> QuerySet[Ticket]:
    """A signed-in citizen's own tickets (by account, or by their registered phone)."""
    query = Q(caller__user=user)
    if getattr(user, "phone", None):
        query |= Q(caller__phone=user.phone)
    return Ticket.objects.filter(query).select_related("category").order_by("-created_at")


def owns(user: Any, ticket: Ticket) -> bool:
    caller = ticket.caller
    if caller is None or not getattr(user, "is_authenticated", False):
        return False
    return caller.user_id == user.pk or bool(user.phone and caller.phone == user.phone)


_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")


def public_text(text: str) -> str:
    """Text for public view: mobile and identity numbers masked."""
    text = _PHONE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _ID_IN_TEXT.sub(lambda m: f"{m.group(1)}**********{m.group(2)}", text)


def public_description(ticket: Ticket) -> str | None:
    """The description as Open311 and the public see it: none for reports of wrongdoing (举报),
    which protect the reporter; otherwise with phone and identity numbers masked."""
    if ticket.request_type == RequestType.REPORT:
        return None
    return public_text(ticket.description)


def department_choices() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).order_by("code")


def child_departments(department_id: int | None) -> QuerySet[Department]:
    return Department.objects.filter(parent_id=department_id, is_active=True).order_by("code")
