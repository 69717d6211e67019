"""Open311 GeoReport v2 at ``/open311/v2/``, as specified on wiki.open311.org/GeoReport_v2.

Every resource answers in XML (``.xml``) and JSON (``.json``, the Spark convention: lists become
arrays). Errors are a list of ``{code, description}`` with HTTP 404 for unknown resources, 403 for a
missing or wrong ``api_key`` and 400 for anything else. Services are the leaves of the hotline
category tree; a service of type ``batch`` answers a POST with a token instead of an id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from pengcheng.core.errors import ValidationFailed
from pengcheng.core.selectors import api_key_for
from pengcheng.hotline import selectors, services
from pengcheng.hotline.deadlines import limit_for
from pengcheng.hotline.models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Category,
    Channel,
    Open311Device,
    Open311Submission,
    RequestType,
    ServiceType,
    Status,
    Ticket,
)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
DUPLICATE_SECONDS = 60
SCOPE = "open311"
# XML element names for the members of each list (the Spark convention's reverse).
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
REQUEST_TYPE_ATTRIBUTE = "request_type"


class Open311Error(Exception):
    def __init__(self, status: int, description: str, code: int | str | None = None) -> None:
        self.status = status
        self.errors = [{"code": code or status, "description": description}]
        super().__init__(description)


# Rendering ----------------------------------------------------------------------------------------


def _xml_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    _fill(element, name, value)


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, list):
        item = ITEM_NAMES.get(name, "item")
        for child in value:
            _append(element, item, child)
    else:
        element.text = _xml_value(value)


def render(fmt: str, root: str, value: Any, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        element = ET.Element(root)
        _fill(element, root, value)
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")
    response = HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def render_error(fmt: str, error: Open311Error) -> HttpResponse:
    return render(fmt, "errors", error.errors, status=error.status)


def w3(moment: dt.datetime | None) -> str | None:
    """A W3C date-time with the offset, in the city's time zone."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def endpoint(methods: tuple[str, ...]) -> Callable[[Callable[..., Any]], Callable[..., HttpResponse]]:
    """Wrap a resource: method check, jurisdiction check, errors rendered in the requested format."""

    def decorate(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        def wrapper(request: HttpRequest, *args: Any, fmt: str = "xml", **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise Open311Error(400, f"{request.method} is not supported here; use {' or '.join(methods)}")
                jurisdiction = (request.POST if request.method == "POST" else request.GET).get("jurisdiction_id", "")
                if jurisdiction and jurisdiction.strip() != settings.PENGCHENG_OPEN311_JURISDICTION:
                    raise Open311Error(404, f"jurisdiction_id {jurisdiction!r} was not found")
                response: HttpResponse = view(request, *args, fmt=fmt, **kwargs)
                return response
            except Open311Error as error:
                return render_error(fmt, error)

        return wrapper

    return decorate


# Discovery and services ------------------------------------------------------------------------------


def _changeset() -> str:
    latest = Category.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return f"{settings.PENGCHENG_OPEN311_JURISDICTION}-{latest}"


@endpoint(("GET",))
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:root")).rstrip("/")
    changeset = _changeset()
    return render(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": settings.PENGCHENG_OPEN311_CONTACT,
            "key_service": _(
                "API keys are issued by the platform operator (pengcheng create_api_key --scopes open311)."
            ),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": changeset,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


def _service(category: Category) -> dict[str, Any]:
    parent_name = category.path_name.split(" / ")[1] if category.level >= 2 else ""
    keywords = ", ".join(k for k in [parent_name, *[w.strip() for w in category.keywords.split(",")]] if k)
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.path_name,
        "metadata": True,
        "type": category.service_type,
        "keywords": keywords,
        "group": category.path_name.split(" / ")[0],
    }


@endpoint(("GET",))
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [_service(category) for category in selectors.services()])


def _service_or_404(code: str) -> Category:
    category = selectors.service_by_code(code)
    if category is None:
        raise Open311Error(404, f"service_code {code!r} was not found")
    return category


def _request_type_attribute() -> dict[str, Any]:
    return {
        "variable": True,
        "code": REQUEST_TYPE_ATTRIBUTE,
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": _("Defaults to “request for help”."),
        "order": 1,
        "description": _("What kind of request is this?"),
        "values": [{"key": value, "name": str(label)} for value, label in RequestType.choices],
    }


@endpoint(("GET",))
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    category = _service_or_404(service_code)
    attributes = [_request_type_attribute()]
    for index, attribute in enumerate(category.attributes.all(), start=2):
        attributes.append(
            {
                "variable": attribute.variable,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description or None,
                "order": index,
                "description": attribute.description,
                "values": [{"key": str(v.get("key")), "name": str(v.get("name"))} for v in attribute.values],
            }
        )
    return render(fmt, "service_definition", {"service_code": category.code, "attributes": attributes})


# Requests --------------------------------------------------------------------------------------------


def parse_attributes(data: QueryDict) -> dict[str, Any]:
    """``attribute[code]=v`` and ``attribute[code][]=v1&attribute[code][]=v2`` → ``{code: v or [v…]}``."""
    answers: dict[str, Any] = {}
    for key in data:
        if not key.startswith("attribute[") or "]" not in key:
            continue
        code = key[len("attribute[") : key.index("]")]
        values = data.getlist(key)
        answers[code] = values if key.endswith("[]") or len(values) > 1 else values[0]
    return answers


def _api_key(data: QueryDict, query: QueryDict) -> str:
    raw = (data.get("api_key") or query.get("api_key") or "").strip()
    if not raw:
        raise Open311Error(403, "api_key is missing -- can't proceed with create_request")
    key = api_key_for(raw)
    if key is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed with create_request")
    if not key.has_scope(SCOPE):
        raise Open311Error(403, "This api_key may not create requests (it lacks the open311 scope)")
    return f"open311:{key.name}"[:150]


def _fingerprint(data: QueryDict) -> str:
    fields = ["service_code", "description", "lat", "long", "address_string", "address_id", "media_url"]
    parts = [(name, data.get(name, "").strip()) for name in fields]
    parts += sorted((key, ",".join(data.getlist(key))) for key in data if key.startswith("attribute["))
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def _ticket_input(data: QueryDict, category: Category) -> services.TicketInput:
    answers = parse_attributes(data)
    request_type = answers.pop(REQUEST_TYPE_ATTRIBUTE, "") or RequestType.HELP
    if request_type not in RequestType.values:
        raise Open311Error(400, f"attribute[{REQUEST_TYPE_ATTRIBUTE}] must be one of {', '.join(RequestType.values)}")
    return services.TicketInput(
        request_type=request_type,
        description=data.get("description", ""),
        channel=Channel.OPEN311,
        category=category,
        caller_phone=data.get("phone", ""),
        caller_name=(data.get("last_name", "") + data.get("first_name", "")).strip(),
        caller_email=data.get("email", "").strip()[:254],
        address=data.get("address_string", ""),
        lat=data.get("lat"),
        lng=data.get("long"),
        division_code=data.get("address_id", "").strip(),
        attributes=answers,
        media_url=data.get("media_url", ""),
        device_id=data.get("device_id", "").strip(),
        account_id=data.get("account_id", "").strip(),
        require_location=True,
    )


def _validation_error(exc: ValidationFailed) -> Open311Error:
    messages = [f"{field}: {message}" for field, items in exc.field_errors.items() for message in items]
    return Open311Error(400, "; ".join(messages) or str(exc.message))


def _notice(ticket_or_input: Ticket | services.TicketInput) -> str:
    if isinstance(ticket_or_input, Ticket) and ticket_or_input.expected_at:
        return _("Received. Expected to be handled by %(due)s.") % {
            "due": timezone.localtime(ticket_or_input.expected_at).strftime("%Y-%m-%d %H:%M")
        }
    limit = limit_for(ticket_or_input.request_type, ticket_or_input.category, ticket_or_input.urgency)
    return _("Received. Expected to be handled within %(n)s %(unit)s of dispatch.") % {
        "n": limit.handle_amount,
        "unit": limit.handle_unit.replace("_", " "),
    }


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    label = _api_key(data, request.GET)
    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code was not provided")
    category = _service_or_404(code)
    info = _ticket_input(data, category)
    try:
        prepared = services.prepare_ticket(info)
    except ValidationFailed as exc:
        raise _validation_error(exc) from None
    actor = services.client_actor(label)
    if not info.device_id:
        ticket, submission = _intake(request, actor, category, prepared, data)
    else:
        fingerprint = _fingerprint(data)
        with transaction.atomic():
            device = _device(info.device_id)
            now = timezone.now()
            if (
                device.fingerprint == fingerprint
                and (now - device.last_at).total_seconds() < DUPLICATE_SECONDS
                and (device.ticket_id or device.submission_id)
            ):
                ticket, submission = device.ticket, device.submission
            else:
                ticket, submission = _intake(request, actor, category, prepared, data)
            device.fingerprint, device.last_at = fingerprint, now
            device.ticket, device.submission = ticket, submission
            device.save(update_fields=["fingerprint", "last_at", "ticket", "submission"])
    account = info.account_id or None
    if ticket is not None:
        body = {"service_request_id": ticket.number, "service_notice": _notice(ticket), "account_id": account}
    else:
        assert submission is not None
        body = {"token": submission.token, "service_notice": _notice(info), "account_id": account}
    return render(fmt, "service_requests", [body])


def _intake(
    request: HttpRequest, actor: Any, category: Category, prepared: services.PreparedTicket, data: QueryDict
) -> tuple[Ticket | None, Open311Submission | None]:
    """A ticket now (realtime services), or a submission for the batch job (batch services)."""
    if category.service_type == ServiceType.BATCH:
        return None, _submit(data, category.code)
    try:
        return services.create_ticket(actor, prepared, request=request), None
    except ValidationFailed as exc:
        raise _validation_error(exc) from None


def _device(device_id: str) -> Open311Device:
    """The device's row, locked, so that two identical POSTs from it are handled one after the other."""
    device = Open311Device.objects.select_for_update().filter(device_id=device_id[:100]).first()
    if device is not None:
        return device
    try:
        with transaction.atomic():
            Open311Device.objects.create(device_id=device_id[:100], fingerprint="", last_at=timezone.now())
    except IntegrityError:
        pass  # created at the same moment by a concurrent POST from the same device
    return Open311Device.objects.select_for_update().get(device_id=device_id[:100])


_KICK_SECONDS = 5.0
_last_kick = {"at": 0.0}


def _submit(data: QueryDict, code: str) -> Open311Submission:
    """Keep a batch POST for the job: one small insert, so that bursts are taken at full speed."""
    payload = {key: data.getlist(key) for key in data if key != "api_key"}
    payload["service_code"] = [code]
    submission = Open311Submission.objects.create(token=secrets.token_hex(12), payload=payload)
    now = time.monotonic()
    if now - _last_kick["at"] > _KICK_SECONDS:  # wake the job now and then, not once per POST
        _last_kick["at"] = now
        from pengcheng.jobs.services import enqueue

        enqueue("pengcheng.hotline.tasks.process_open311_batches")
    return submission


def _prepare_submission(submission: Open311Submission) -> services.PreparedTicket:
    data = QueryDict(mutable=True)
    for key, values in submission.payload.items():
        data.setlist(key, values)
    category = selectors.category_by_code(data.get("service_code", ""))
    if category is None:
        raise Open311Error(404, "service_code is no longer offered")
    try:
        return services.prepare_ticket(_ticket_input(data, category))
    except ValidationFailed as exc:
        raise _validation_error(exc) from None


def process_submissions(limit: int = 500, ids: list[int] | None = None) -> int:
    """Create the tickets for waiting batch submissions, ``limit`` at a time in one transaction.
    Submissions that no longer validate keep their error. Returns how many were taken."""
    with transaction.atomic():
        pending = Open311Submission.objects.select_for_update(skip_locked=True).filter(ticket__isnull=True, error="")
        if ids is not None:
            pending = pending.filter(pk__in=ids)
        taken = list(pending.order_by("pk")[:limit])
        good: list[tuple[Open311Submission, services.PreparedTicket]] = []
        for submission in taken:
            try:
                good.append((submission, _prepare_submission(submission)))
            except Open311Error as exc:
                submission.error = str(exc)[:300] or "invalid"
        tickets = services.create_tickets(services.client_actor("open311:batch"), [p for _, p in good])
        for (submission, _prepared), ticket in zip(good, tickets, strict=True):
            submission.ticket = ticket
        _save_outcomes(taken)
    return len(taken)


def _save_outcomes(submissions: list[Open311Submission]) -> None:
    """Each submission's ticket or error, in one batched statement: ``bulk_update`` builds a CASE
    expression per row and took a third of the job's CPU (2.4 ms a submission)."""
    if not submissions:
        return
    connection = transaction.get_connection()
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(Open311Submission._meta.db_table)} SET {qn('ticket_id')} = %s, {qn('error')} = %s "
        f"WHERE {qn('id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(s.ticket_id, s.error, s.pk) for s in submissions])


def process_submission(submission: Open311Submission) -> Ticket | None:
    """Create the ticket for one batch submission now."""
    process_submissions(1, ids=[submission.pk])
    submission.refresh_from_db()
    return submission.ticket


def _parse_moment(name: str, raw: str) -> dt.datetime:
    moment = parse_datetime(raw)
    if moment is None:
        day = parse_date(raw)
        if day is not None:
            moment = dt.datetime.combine(day, dt.time())
    if moment is None:
        raise Open311Error(400, f"{name} must be a W3C date-time such as 2010-01-01T00:00:00Z")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _window(query: QueryDict) -> tuple[dt.datetime, dt.datetime]:
    start_raw, end_raw = query.get("start_date", "").strip(), query.get("end_date", "").strip()
    now = timezone.now()
    start = _parse_moment("start_date", start_raw) if start_raw else None
    end = _parse_moment("end_date", end_raw) if end_raw else None
    if start is None and end is None:
        return now - MAX_WINDOW, now
    if start is None:
        assert end is not None
        start = end - MAX_WINDOW
    if end is None:
        end = start + MAX_WINDOW
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > MAX_WINDOW:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    return start, end


def _split(query: QueryDict, name: str) -> list[str]:
    return [part.strip() for value in query.getlist(name) for part in value.split(",") if part.strip()]


def request_fields(ticket: Ticket) -> dict[str, Any]:
    """One request with every field of the GET Service Request response, in the spec's order."""
    category = ticket.category
    secret = ticket.request_type == RequestType.REPORT
    agency = ticket.lead_department or ticket.routed_department
    if ticket.status == Status.MERGED and ticket.parent_id:
        notes: str | None = _("Duplicate request, handled as %(n)s.") % {
            "n": ticket.parent.number if ticket.parent else ""
        }
    elif ticket.status in FINISHED_STATUSES:
        notes = selectors.public_text(ticket.public_reply) or None
    else:
        notes = str(Status(ticket.status).label)
    return {
        "service_request_id": ticket.number,
        "status": "open" if ticket.status in OPEN_STATUSES else "closed",
        "status_notes": notes,
        "service_name": category.name if category else None,
        "service_code": category.code if category else None,
        "description": selectors.public_description(ticket),
        "agency_responsible": agency.name if agency else None,
        "service_notice": _notice(ticket) if ticket.status in OPEN_STATUSES else None,
        "requested_datetime": w3(ticket.created_at),
        "updated_datetime": w3(
            ticket.closed_at if ticket.status in FINISHED_STATUSES and ticket.closed_at else ticket.updated_at
        ),
        "expected_datetime": w3(ticket.handle_due or ticket.expected_at),
        "address": None if secret else (ticket.address or None),
        "address_id": None if secret else (ticket.division_id or None),
        "zipcode": None,
        "lat": None if secret else ticket.lat,
        "long": None if secret else ticket.lng,
        "media_url": None if secret else (ticket.media_url or None),
    }


def _tickets() -> Any:
    return Ticket.objects.select_related("category", "lead_department", "routed_department", "parent")


def _get_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    query = request.GET
    ids = _split(query, "service_request_id")
    if ids:
        wanted = []
        for number in ids[:MAX_RESULTS]:
            ticket = selectors.ticket_by_number(number)
            if ticket is not None:
                wanted.append(ticket.pk)
        tickets = _tickets().filter(pk__in=wanted).order_by("-created_at")
    else:
        start, end = _window(query)
        tickets = _tickets().filter(created_at__gte=start, created_at__lte=end)
        codes = _split(query, "service_code")
        if codes:
            tickets = tickets.filter(category__code__in=codes)
        statuses = _split(query, "status")
        unknown = [s for s in statuses if s not in ("open", "closed")]
        if unknown:
            raise Open311Error(400, f"status must be open or closed, not {', '.join(unknown)}")
        if statuses == ["open"]:
            tickets = tickets.filter(status__in=OPEN_STATUSES)
        elif statuses == ["closed"]:
            tickets = tickets.filter(status__in=FINISHED_STATUSES)
        tickets = tickets.order_by("-created_at")
    return render(fmt, "service_requests", [request_fields(t) for t in tickets[:MAX_RESULTS]])


@endpoint(("GET", "POST"))
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    return _get_requests(request, fmt)


@endpoint(("GET",))
def request_detail(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    ticket = selectors.ticket_by_number(service_request_id)
    if ticket is None:
        raise Open311Error(404, f"service_request_id {service_request_id!r} was not found")
    ticket = _tickets().get(pk=ticket.pk)
    return render(fmt, "service_requests", [request_fields(ticket)])


@endpoint(("GET",))
def token_view(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    submission = Open311Submission.objects.select_related("ticket").filter(token=token).first()
    if submission is None:
        raise Open311Error(404, f"token {token!r} was not found")
    number = submission.ticket.number if submission.ticket else None
    return render(fmt, "service_requests", [{"service_request_id": number, "token": submission.token}])


@csrf_exempt
def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    fmt = "json" if rest.endswith(".json") else "xml"
    return render_error(fmt, Open311Error(404, f"/open311/v2/{rest} is not an Open311 GeoReport v2 resource"))


def index(request: HttpRequest) -> HttpResponse:
    """A page for developers: what this endpoint offers and how to use it."""
    from django.shortcuts import render

    base = request.build_absolute_uri(reverse("open311:root")).rstrip("/")
    return render(
        request,
        "hotline/open311.html",
        {"base": base, "jurisdiction": settings.PENGCHENG_OPEN311_JURISDICTION, "services": selectors.services()[:20]},
    )
