"""Hotline JSON API at /api/v1/hotline/: tickets and their actions, inbound messages from gateways,
and the supervisor overview. The same services serve the HTML console."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from pengcheng.api import Pagination, actor_of, require_scope
from pengcheng.core.errors import NotFound, ValidationFailed
from pengcheng.core.models import Department
from pengcheng.hotline import selectors, services, stats
from pengcheng.hotline.models import Channel, ExtensionRequest, Ticket, Urgency

router = Router(tags=["hotline"])


class TicketFields(Schema):
    number: str
    request_type: str
    category: str | None
    urgency: str
    channel: str
    status: str
    title: str
    district_code: str
    lead_department: str | None
    created_at: dt.datetime
    accept_due: dt.datetime | None
    handle_due: dt.datetime | None
    supervised: bool


class TicketOut(TicketFields):
    @staticmethod
    def resolve_category(obj: Ticket) -> str | None:
        return obj.category.code if obj.category else None

    @staticmethod
    def resolve_lead_department(obj: Ticket) -> str | None:
        return obj.lead_department.code if obj.lead_department else None


class CallerOut(Schema):
    name: str
    phone: str
    masked: bool


class EventOut(Schema):
    kind: str
    at: dt.datetime
    actor: str
    department: str | None
    note: str


class TicketDetail(TicketFields):
    description: str
    address: str
    division: str | None
    lat: float | None
    lng: float | None
    reply: str
    public_reply: str
    rating: str
    caller: CallerOut | None
    events: list[EventOut]
    available_actions: list[str]


class TicketIn(Schema):
    request_type: str
    description: str
    title: str = ""
    category: str = ""
    urgency: str = Urgency.NORMAL
    channel: str = Channel.PHONE
    caller_phone: str = ""
    caller_name: str = ""
    anonymous: bool = False
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    coord_system: str = "wgs84"


class ActionIn(Schema):
    department: str = ""
    assisting: list[str] = []
    text: str = ""
    reason: str = ""
    public_reply: str = ""
    rating: str = ""
    comment: str = ""
    days: int = 0
    approve: bool = False
    parent: str = ""
    on: bool = True


class QueueFilter(Schema):
    queue: str = "all"
    q: str = ""
    type: str = ""
    district: str = ""
    sort: str = "due"


class InboundIn(Schema):
    channel: str
    external_id: str
    sender: str
    body: str
    subject: str = ""
    sender_name: str = ""
    received_at: dt.datetime | None = None


class InboundOut(Schema):
    id: int
    created: bool
    status: str


class FiguresOut(Schema):
    key: str
    label: str
    received: int
    accepted_on_time_rate: float | None
    closed_on_time_rate: float | None
    satisfaction_rate: float | None
    refusal_rate: float | None
    counts: dict[str, int]


class OverviewOut(Schema):
    start: dt.date
    end: dt.date
    by: str
    refreshed_at: dt.datetime | None
    rows: list[FiguresOut]
    total: FiguresOut


def _ticket(request: HttpRequest, number: str) -> Ticket:
    return selectors.get_ticket(actor_of(request), number)


def _department(code: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise ValidationFailed({"department": [f"no department with code {code!r}"]})
    return department


def _detail(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    from pengcheng.hotline.console_views import _available

    actor = actor_of(request)
    caller = selectors.caller_view(actor, ticket)
    return {
        "number": ticket.number,
        "request_type": ticket.request_type,
        "category": ticket.category.code if ticket.category else None,
        "urgency": ticket.urgency,
        "channel": ticket.channel,
        "status": ticket.status,
        "title": ticket.title,
        "district_code": ticket.district_code,
        "lead_department": ticket.lead_department.code if ticket.lead_department else None,
        "created_at": ticket.created_at,
        "accept_due": ticket.accept_due,
        "handle_due": ticket.handle_due,
        "supervised": ticket.supervised,
        "description": ticket.description,
        "address": ticket.address,
        "division": ticket.division_id,
        "lat": ticket.lat,
        "lng": ticket.lng,
        "reply": ticket.reply,
        "public_reply": ticket.public_reply,
        "rating": ticket.rating,
        "caller": {"name": caller.name, "phone": caller.phone, "masked": caller.masked} if caller else None,
        "events": [
            {
                "kind": e.kind,
                "at": e.at,
                "actor": e.actor_label,
                "department": e.department.code if e.department else None,
                "note": e.note,
            }
            for e in selectors.timeline(ticket)
        ],
        "available_actions": sorted(_available(actor, ticket)),
    }


@router.get("/tickets", response=list[TicketOut], summary="Tickets in a work queue")
@paginate(Pagination)
def list_tickets(request: HttpRequest, filters: Query[QueueFilter]) -> Any:
    if filters.queue not in selectors.QUEUES:
        raise ValidationFailed({"queue": [f"one of {', '.join(selectors.QUEUES)}"]})
    return selectors.queue(
        actor_of(request),
        filters.queue,
        text=filters.q,
        request_type=filters.type,
        district=filters.district,
        sort=filters.sort,
    )


@router.get("/tickets/{number}", response=TicketDetail, summary="One ticket with its timeline")
def get_ticket(request: HttpRequest, number: str) -> Any:
    return _detail(request, _ticket(request, number))


@router.post("/tickets", response={201: TicketDetail}, summary="Take a ticket (agents) or report (citizens)")
def create_ticket(request: HttpRequest, payload: TicketIn) -> Any:
    require_scope(request, "hotline")
    category = selectors.find_category(payload.category) if payload.category else None
    if payload.category and category is None:
        raise ValidationFailed({"category": [f"no category {payload.category!r}"]})
    ticket = services.create_ticket(
        actor_of(request),
        services.TicketInput(
            request_type=payload.request_type,
            description=payload.description,
            channel=payload.channel,
            title=payload.title,
            category=category,
            urgency=payload.urgency,
            caller_phone=payload.caller_phone,
            caller_name=payload.caller_name,
            anonymous=payload.anonymous,
            address=payload.address,
            lat=payload.lat,
            lng=payload.lng,
            coord_system=payload.coord_system,
        ),
        request=request,
    )
    return Status(201, _detail(request, ticket))


def _run(request: HttpRequest, ticket: Ticket, action: str, body: ActionIn) -> None:
    actor = actor_of(request)
    if action == "dispatch":
        services.dispatch(
            actor, ticket, _department(body.department), [_department(c) for c in body.assisting], note=body.text
        )
    elif action == "answer":
        services.answer_directly(actor, ticket, body.text)
    elif action == "accept":
        services.accept(actor, ticket)
    elif action == "refuse":
        services.refuse(actor, ticket, body.reason)
    elif action == "transfer":
        services.transfer(actor, ticket, _department(body.department), body.reason)
    elif action == "request_extension":
        services.request_extension(actor, ticket, body.days, body.reason)
    elif action == "decide_extension":
        extension = ExtensionRequest.objects.filter(ticket=ticket, status="pending").first()
        if extension is None:
            raise NotFound("No extension request is waiting.")
        services.decide_extension(actor, extension, approve=body.approve, note=body.text)
    elif action == "opinion":
        services.give_opinion(actor, ticket, body.text)
    elif action == "reply":
        services.reply(actor, ticket, body.text)
    elif action == "return_reply":
        services.return_reply(actor, ticket, body.reason)
    elif action == "close":
        services.close(actor, ticket, body.public_reply)
    elif action == "rate":
        services.rate(actor, ticket, body.rating, body.comment)
    elif action == "reopen":
        services.reopen(actor, ticket, body.reason)
    elif action == "merge":
        parent = selectors.ticket_by_number(body.parent)
        if parent is None:
            raise ValidationFailed({"parent": [f"no ticket {body.parent!r}"]})
        services.merge(actor, ticket, parent, body.text)
    elif action == "supervise":
        services.supervise(actor, ticket, on=body.on, reason=body.reason)
    elif action == "note":
        services.add_note(actor, ticket, body.text)
    else:
        raise NotFound(f"Unknown action {action!r}.")


@router.post("/tickets/{number}/{action}", response=TicketDetail, summary="Act on a ticket (dispatch, accept, …)")
def act(request: HttpRequest, number: str, action: str, payload: ActionIn) -> Any:
    require_scope(request, "hotline")
    ticket = _ticket(request, number)
    _run(request, ticket, action, payload)
    return _detail(request, _ticket(request, number))


@router.post(
    "/inbound", response={200: InboundOut, 201: InboundOut}, summary="A message from an SMS, e-mail or WeChat gateway"
)
def inbound(request: HttpRequest, payload: InboundIn) -> Any:
    require_scope(request, "hotline.inbound")
    message, created = services.receive_message(
        services.client_actor(f"inbound:{payload.channel}"),
        channel=payload.channel,
        external_id=payload.external_id,
        sender=payload.sender,
        body=payload.body,
        subject=payload.subject,
        sender_name=payload.sender_name,
        received_at=payload.received_at,
    )
    return Status(201 if created else 200, {"id": message.pk, "created": created, "status": message.status})


def _figures(row: stats.Figures) -> dict[str, Any]:
    return {
        "key": str(row.key),
        "label": row.label,
        "received": row.get("received"),
        "accepted_on_time_rate": row.accept_rate,
        "closed_on_time_rate": row.close_rate,
        "satisfaction_rate": row.satisfaction,
        "refusal_rate": row.refusal_rate,
        "counts": row.counts,
    }


@router.get("/overview", response=OverviewOut, summary="Supervisor figures for a date range")
def overview(
    request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None, by: str = "department"
) -> Any:
    end = end or timezone.localdate()
    start = start or end - dt.timedelta(days=29)
    data = stats.overview(actor_of(request), start, end, by)
    return {
        "start": data.start,
        "end": data.end,
        "by": data.dimension,
        "refreshed_at": data.refreshed_at,
        "rows": [_figures(r) for r in data.rows],
        "total": _figures(data.total),
    }


class CategoryOut(Schema):
    code: str
    name: str
    path_name: str
    level: int


@router.get("/categories", response=list[CategoryOut], summary="The category tree", auth=None)
def categories(request: HttpRequest) -> Any:
    return [c for c in selectors._category_index().values() if c.is_active]
