"""State changes for 12345 tickets. Each function checks its own permission and the state machine
(``lifecycle``), changes the ticket atomically, writes a timeline event and an audit record, and
tells whoever needs to know. The HTML views, the JSON API, Open311 and the jobs all call these."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.audit.services import record as audit
from pengcheng.core.actors import SYSTEM, MaybeActor, SystemActor
from pengcheng.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from pengcheng.core.models import Department, DepartmentKind, Role, User
from pengcheng.hotline import access, classifier, deadlines, lifecycle, location, routing
from pengcheng.hotline.models import (
    AssignmentRole,
    Attachment,
    AttributeType,
    Caller,
    Category,
    Channel,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    InboundMessage,
    InboundStatus,
    Rating,
    RequestType,
    RoutingRule,
    Status,
    Ticket,
    TicketAssignment,
    TicketEvent,
    TimeLimit,
    TrackingCode,
    Urgency,
)
from pengcheng.notifications.models import Channel as NotifyChannel
from pengcheng.notifications.services import notify

DESCRIPTION_LIMIT = 4000
TITLE_LIMIT = 200
MAX_ATTACHMENTS = 6
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
}
_PHONE_RE = re.compile(r"^\d{7,15}$")


class ClientActor:
    """A machine client acting through an API key (an Open311 app, an SMS gateway)."""

    pk = None
    is_authenticated = True

    def __init__(self, label: str) -> None:
        self.username = label

    def __str__(self) -> str:
        return self.username


def client_actor(label: str) -> MaybeActor:
    """A machine client as an actor: it holds no staff role, and the audit log names it."""
    return cast("MaybeActor", ClientActor(label))


def actor_label(actor: MaybeActor) -> str:
    if isinstance(actor, User):
        return actor.display_name
    return str(getattr(actor, "username", "system"))


def normalise_phone(raw: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


# Intake --------------------------------------------------------------------------------------------


@dataclass
class TicketInput:
    """What a citizen, an agent or a client reports. Validated by ``create_ticket``."""

    request_type: str
    description: str
    channel: str
    title: str = ""
    category: Category | None = None
    urgency: str = Urgency.NORMAL
    caller_phone: str = ""
    caller_name: str = ""
    caller_email: str = ""
    anonymous: bool = False
    address: str = ""
    lat: Any = None
    lng: Any = None
    coord_system: str = location.WGS84
    division_code: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    media_url: str = ""
    device_id: str = ""
    account_id: str = ""
    external_id: str = ""
    require_location: bool = False


@dataclass(frozen=True)
class PreparedTicket:
    """Validated input with its location and route worked out (nothing written yet)."""

    data: TicketInput
    title: str
    place: location.Location
    route: routing.Route | None
    phone: str


def validate_attributes(category: Category | None, answers: dict[str, Any]) -> dict[str, Any]:
    """Check answers against the category's attribute definitions; returns the cleaned answers."""
    if category is None:
        return {}
    errors: list[str] = []
    cleaned: dict[str, Any] = {}
    for attribute in category.attributes.all():
        raw = answers.get(attribute.code)
        values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
        values = [str(value).strip() for value in values if str(value).strip()]
        if not values:
            if attribute.required and attribute.variable:
                errors.append(_("attribute[%(code)s] is required") % {"code": attribute.code})
            continue
        keys = {str(option.get("key")) for option in attribute.values}
        if attribute.datatype == AttributeType.SINGLE:
            if len(values) > 1 or values[0] not in keys:
                errors.append(
                    _("attribute[%(code)s] must be one of %(keys)s")
                    % {"code": attribute.code, "keys": ", ".join(sorted(keys))}
                )
                continue
            cleaned[attribute.code] = values[0]
        elif attribute.datatype == AttributeType.MULTI:
            unknown = [value for value in values if value not in keys]
            if unknown:
                errors.append(
                    _("attribute[%(code)s] has unknown values: %(values)s")
                    % {"code": attribute.code, "values": ", ".join(unknown)}
                )
                continue
            cleaned[attribute.code] = values
        elif attribute.datatype == AttributeType.NUMBER:
            try:
                float(values[0])
            except ValueError:
                errors.append(_("attribute[%(code)s] must be a number") % {"code": attribute.code})
                continue
            cleaned[attribute.code] = values[0]
        elif attribute.datatype == AttributeType.DATETIME:
            from django.utils.dateparse import parse_datetime

            if parse_datetime(values[0]) is None:
                errors.append(_("attribute[%(code)s] must be an ISO 8601 date and time") % {"code": attribute.code})
                continue
            cleaned[attribute.code] = values[0]
        elif attribute.datatype == AttributeType.STRING and ("\n" in values[0] or "\r" in values[0]):
            errors.append(_("attribute[%(code)s] must be a single line") % {"code": attribute.code})
        else:
            cleaned[attribute.code] = values[0][:2000]
    if errors:
        raise ValidationFailed({"attribute": errors})
    return cleaned


def prepare_ticket(data: TicketInput) -> PreparedTicket:
    """Validate, locate and route a report. Raises ``ValidationFailed`` with every problem found."""
    errors: dict[str, list[str]] = {}
    if data.request_type not in RequestType.values:
        errors["request_type"] = [_("Choose a request type.")]
    if data.urgency not in Urgency.values:
        errors["urgency"] = [_("Choose an urgency.")]
    if data.channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    description = (data.description or "").strip()
    if not description:
        errors["description"] = [_("Describe the request.")]
    elif len(description) > DESCRIPTION_LIMIT:
        errors["description"] = [
            _("The description is %(n)s characters long; the limit is %(limit)s.")
            % {"n": len(description), "limit": DESCRIPTION_LIMIT}
        ]
    title = (data.title or "").strip()
    if not title and description:
        title = description.splitlines()[0][:40]
    if len(title) > TITLE_LIMIT:
        errors["title"] = [_("The subject is limited to %(limit)s characters.") % {"limit": TITLE_LIMIT}]
    if data.category is not None and not data.category.is_active:
        errors["category"] = [_("This category is no longer in use.")]
    phone = normalise_phone(data.caller_phone)
    if phone and not _PHONE_RE.match(phone):
        errors["caller_phone"] = [_("Enter a phone number of 7 to 15 digits.")]
    place = location.Location("", "", None, None, "")
    try:
        point = location.parse_point(data.lat, data.lng)
        if data.require_location and point is None and not data.address.strip() and not data.division_code:
            raise location.LocationError("a location is required: lat and long, address_string or address_id")
        place = location.locate(
            address=data.address.strip(), point=point, system=data.coord_system, division_code=data.division_code
        )
    except location.LocationError as exc:
        errors["location"] = [str(exc)]
    try:
        data.attributes = validate_attributes(data.category, data.attributes)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ValidationFailed(errors)
    data.description = description
    return PreparedTicket(data, title, place, routing.route(data.category, place.division_code), phone)


def _caller_for(actor: MaybeActor, prepared: PreparedTicket) -> Caller | None:
    data = prepared.data
    user = actor if isinstance(actor, User) and not access.hotline_scope(actor).dispatcher else None
    phone = prepared.phone or (user.phone if user and user.phone else "")
    if not phone and user is None:
        return None
    caller = Caller.objects.filter(phone=phone).first() if phone else Caller.objects.filter(user=user).first()
    if caller is None:
        return Caller.objects.create(
            phone=phone or None,
            name=(data.caller_name or (user.full_name if user else ""))[:60],
            email=data.caller_email or (user.email if user else ""),
            user=user,
        )
    changed = []
    if data.caller_name and caller.name != data.caller_name[:60]:
        caller.name = data.caller_name[:60]
        changed.append("name")
    if user is not None and caller.user_id is None:
        caller.user = user
        changed.append("user")
    if data.caller_email and not caller.email:
        caller.email = data.caller_email
        changed.append("email")
    if changed:
        caller.save(update_fields=changed)
    return caller


def _event(
    ticket: Ticket,
    kind: str,
    actor: MaybeActor,
    *,
    department_id: int | None = None,
    note: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor if isinstance(actor, User) else None,
        actor_label=actor_label(actor)[:150],
        department_id=department_id,
        note=note,
        public=public,
        data=data or {},
    )


def _touch(ticket: Ticket, *fields: str) -> None:
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=[*fields, "updated_at"])


def _check_reporter(actor: MaybeActor, data: TicketInput | PreparedTicket) -> None:
    if isinstance(actor, User) and not access.hotline_scope(actor).dispatcher:
        info = data.data if isinstance(data, PreparedTicket) else data
        if info.channel not in (Channel.PORTAL, Channel.APP):
            raise AccessDenied("hotline.create", reason="citizens report through the portal or the app")
    elif not isinstance(actor, (User, SystemActor, ClientActor)):
        raise AccessDenied("hotline.create", reason="sign in to report")


def _build_ticket(prepared: PreparedTicket, caller: Caller | None, now: dt.datetime) -> Ticket:
    """The unsaved ticket for a prepared report."""
    info = prepared.data
    limit = deadlines.limit_for(info.request_type, info.category, info.urgency)
    return Ticket(
        request_type=info.request_type,
        category=info.category,
        category_top_id=_top_id(info.category),
        urgency=info.urgency,
        channel=info.channel,
        title=prepared.title,
        description=info.description,
        caller=caller,
        anonymous=info.anonymous,
        address=info.address.strip()[:300],
        division_id=prepared.place.division_code or None,
        district_code=prepared.place.district_code,
        lat=prepared.place.lat,
        lng=prepared.place.lng,
        location_source=prepared.place.source,
        routed_department_id=prepared.route.department_id if prepared.route else None,
        created_at=now,
        received_on=timezone.localtime(now).date(),
        updated_at=now,
        expected_at=deadlines.handle_due(now, limit),
        attributes=info.attributes,
        media_url=info.media_url[:500],
        device_id=info.device_id[:100],
        account_id=info.account_id[:100],
        external_id=info.external_id[:100],
    )


def _after_intake(ticket: Ticket, prepared: PreparedTicket, now: dt.datetime) -> None:
    """Automatic dispatch where the routing rule or the classifier says so, and the acknowledgement to the caller."""
    if (plan := _automatic_dispatch(ticket, prepared)) is not None:
        lead, assisting, note = plan
        _dispatch(SYSTEM, ticket, lead, assisting, note=note, now=now)
    if ticket.caller is not None:
        _acknowledge(ticket, ticket.caller)


def _automatic_dispatch(ticket: Ticket, prepared: PreparedTicket) -> tuple[Department | int, list[int], str] | None:
    """The dispatch a new ticket gets without a person, as (lead, assisting, note): its routing rule's
    when the rule dispatches automatically, else the classifier's when it is confident enough."""
    route = prepared.route
    if route is not None and route.auto_dispatch:
        note = _("Dispatched automatically by routing rule %(id)s.") % {"id": route.rule_id}
        return route.department_id, list(route.assisting_ids), note
    if (decision := classifier.auto_dispatch(ticket)) is not None:
        return decision.department, [], decision.note
    return None


def _acknowledge(ticket: Ticket, caller: Caller) -> None:
    _tell_caller(
        ticket,
        caller,
        _("Request %(number)s received") % {"number": ticket.number},
        _("Your request has been received as %(number)s. Keep this number to follow it.") % {"number": ticket.number},
    )


def _intake_dispatches(
    tickets: Sequence[Ticket], batch: Sequence[PreparedTicket], now: dt.datetime
) -> list[tuple[Department, list[Department], str] | None]:
    """For unsaved new tickets, in order: the automatic dispatch of each (routing rule first, then the
    classifier) as (lead, assisting, note), already applied to the ticket's fields, or None. The
    departments are read in one query; a rule naming an inactive department leaves its ticket for a
    person, as a failed classifier does."""
    wanted: list[tuple[int, list[int], str] | None] = []
    for ticket, prepared in zip(tickets, batch, strict=True):
        plan = _automatic_dispatch(ticket, prepared)
        if plan is None:
            wanted.append(None)
            continue
        lead, assisting, note = plan
        wanted.append((lead.pk if isinstance(lead, Department) else lead, assisting, note))
    ids = {pk for plan in wanted if plan for pk in (plan[0], *plan[1])}
    active = Department.objects.filter(pk__in=ids, is_active=True).in_bulk() if ids else {}
    chosen: list[tuple[Department, list[Department], str] | None] = []
    for ticket, plan in zip(tickets, wanted, strict=True):
        if plan is None or plan[0] not in active or any(pk not in active or pk == plan[0] for pk in plan[1]):
            chosen.append(None)
            continue
        lead, helpers = active[plan[0]], [active[pk] for pk in plan[1]]
        _set_dispatched(ticket, lead, now)
        chosen.append((lead, helpers, plan[2]))
    return chosen


def create_ticket(
    actor: MaybeActor,
    data: TicketInput | PreparedTicket,
    *,
    files: Sequence[UploadedFile] = (),
    request: Any = None,
) -> Ticket:
    """受理: record a report as a ticket. Citizens report for themselves; 12345 agents and machine
    clients (Open311, SMS gateways) for anyone. A route marked for automatic dispatch is followed."""
    _check_reporter(actor, data)
    prepared = data if isinstance(data, PreparedTicket) else prepare_ticket(data)
    _check_files(files)
    info = prepared.data
    now = timezone.now()
    with transaction.atomic():
        ticket = _build_ticket(prepared, _caller_for(actor, prepared), now)
        ticket.save(force_insert=True)
        _event(ticket, EventKind.CREATED, actor, public=True, data={"channel": info.channel})
        for upload in files:
            _save_attachment(ticket, upload, actor)
        _after_intake(ticket, prepared, now)
        audit(
            actor,
            "hotline.ticket_created",
            ticket,
            summary=f"{ticket.number} {info.channel} {info.request_type}",
            data={"channel": info.channel, "category": info.category.code if info.category else ""},
            request=request,
        )
    return ticket


def ticket_digest(ticket: Ticket) -> str:
    """A fingerprint of what was reported, for audit records that cover many tickets."""
    fields = [ticket.number, ticket.channel, ticket.request_type, str(ticket.category_id or ""), ticket.title]
    return hashlib.sha256("\x1f".join([*fields, ticket.description]).encode()).hexdigest()


def create_tickets(actor: MaybeActor, batch: Sequence[PreparedTicket]) -> list[Ticket]:
    """Record many prepared reports in one transaction (batch Open311 intake, bursts after a storm):
    the tickets and their first events are inserted in bulk, and one audit record lists every
    ticket with a fingerprint of its content."""
    for prepared in batch:
        _check_reporter(actor, prepared)
    if not batch:
        return []
    now = timezone.now()
    with transaction.atomic():
        tickets = [_build_ticket(p, _caller_for(actor, p), now) for p in batch]
        # Tickets the routing table (or the classifier) dispatches at once are inserted already
        # dispatched, with their assignments and events in bulk: four statements a ticket fewer.
        dispatches = _intake_dispatches(tickets, batch, now)
        Ticket.objects.bulk_create(tickets)
        label = actor_label(actor)[:150]
        events: list[TicketEvent] = []
        assignments: list[TicketAssignment] = []
        for ticket, dispatch in zip(tickets, dispatches, strict=True):
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind=EventKind.CREATED,
                    actor_label=label,
                    at=now,
                    public=True,
                    data={"channel": ticket.channel},
                )
            )
            if dispatch is not None:
                lead, helpers, note = dispatch
                rows, event = _dispatch_rows(SYSTEM, ticket, lead, helpers, note=note, now=now)
                assignments.extend(rows)
                events.append(event)
        TicketEvent.objects.bulk_create(events)
        TicketAssignment.objects.bulk_create(assignments)
        for ticket in tickets:
            if ticket.caller is not None:
                _acknowledge(ticket, ticket.caller)
        audit(
            actor,
            "hotline.tickets_created",
            ("hotline.ticket", f"{tickets[0].pk}-{tickets[-1].pk}"),
            summary=f"{len(tickets)} tickets {tickets[0].number}…{tickets[-1].number}",
            data={"tickets": [[t.pk, ticket_digest(t)] for t in tickets]},
        )
    return tickets


def _top_id(category: Category | None) -> int | None:
    if category is None:
        return None
    if category.level == 1:
        return category.pk
    from pengcheng.hotline.selectors import category_by_code

    top = category_by_code(category.code[:2])
    return top.pk if top else None


def _check_files(files: Sequence[UploadedFile]) -> None:
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationFailed({"files": [_("Attach at most %(n)s files.") % {"n": MAX_ATTACHMENTS}]})
    problems = []
    for upload in files:
        if upload.size and upload.size > MAX_ATTACHMENT_BYTES:
            problems.append(_("%(name)s is larger than 10 MB.") % {"name": upload.name})
            continue
        head = upload.read(16)
        upload.seek(0)
        kind = next((t for t, magics in ATTACHMENT_TYPES.items() if head.startswith(magics)), None)
        if kind is None:
            problems.append(_("%(name)s is not a JPEG, PNG, GIF, WebP image or a PDF.") % {"name": upload.name})
    if problems:
        raise ValidationFailed({"files": problems})


def _save_attachment(ticket: Ticket, upload: UploadedFile, actor: MaybeActor) -> Attachment:
    head = upload.read(16)
    upload.seek(0)
    kind = next(t for t, magics in ATTACHMENT_TYPES.items() if head.startswith(magics))
    return Attachment.objects.create(
        ticket=ticket,
        file=upload,
        original_name=(upload.name or "file")[:200],
        content_type=kind,
        size=upload.size or 0,
        uploaded_by=actor if isinstance(actor, User) else None,
    )


# Telling people -----------------------------------------------------------------------------------


def site_url(path: str) -> str:
    """An absolute link for messages that leave the site (SMS), on ``PENGCHENG_PUBLIC_URL``."""
    return str(settings.PENGCHENG_PUBLIC_URL) + path


def _tell_caller(ticket: Ticket, caller: Caller, subject: str, body: str, url: str = "") -> None:
    channels = [NotifyChannel.SMS] + ([NotifyChannel.INBOX] if caller.user_id else [])
    user = User.objects.filter(pk=caller.user_id).first() if caller.user_id else None
    notify(
        user,
        subject=subject,
        body=body,
        url=url or reverse("hotline:my-ticket", args=[ticket.number]),
        category="hotline",
        channels=channels,
        phone=caller.phone or "",
    )


def department_staff(department_id: int, roles: Iterable[str] = (Role.CLERK, Role.SUPERVISOR)) -> list[User]:
    return list(
        User.objects.filter(
            positions__department_id=department_id, positions__role__in=list(roles), is_active=True
        ).distinct()
    )


def centre_staff(roles: Iterable[str]) -> list[User]:
    return list(
        User.objects.filter(
            positions__department__kind=DepartmentKind.HOTLINE_CENTRE, positions__role__in=list(roles), is_active=True
        ).distinct()
    )


def _tell_staff(users: Iterable[User], ticket: Ticket, subject: str, body: str) -> None:
    url = reverse("hotline:ticket", args=[ticket.number])
    for user in users:
        notify(user, subject=subject, body=body, url=url, category="hotline", channels=[NotifyChannel.INBOX])


# Dispatch and handling ------------------------------------------------------------------------------


def _lock(ticket: Ticket) -> Ticket:
    locked = Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
    if locked is None:
        raise NotFound(_("No such ticket."))
    return locked


def _department(department: Department | int) -> Department:
    if isinstance(department, Department):
        return department
    found = Department.objects.filter(pk=department, is_active=True).first()
    if found is None:
        raise ValidationFailed({"department": [_("Choose an active department.")]})
    return found


def _dispatch(
    actor: MaybeActor,
    ticket: Ticket,
    department: Department | int,
    assisting: Sequence[Department | int],
    *,
    note: str,
    now: Any = None,
) -> None:
    lead = _department(department)
    helpers = [_department(d) for d in assisting]
    if any(helper.pk == lead.pk for helper in helpers):
        raise ValidationFailed({"assisting": [_("The lead department cannot also assist.")]})
    now = now or timezone.now()
    _set_dispatched(ticket, lead, now)
    _touch(
        ticket,
        "status",
        "lead_department",
        "dispatched_at",
        "accept_due",
        "handle_due",
        "expected_at",
        "accepted_at",
        "accepted_on_time",
        "closed_on_time",
        "dispatch_count",
        "accept_warned",
        "accept_escalated",
        "handle_warned",
        "escalated",
    )
    assignments, event = _dispatch_rows(actor, ticket, lead, helpers, note=note, now=now)
    TicketAssignment.objects.bulk_create(assignments)
    event.save(force_insert=True)
    # Departments see new tickets in their 待签收 queue; the deadline job warns before 签收 is due.


def _set_dispatched(ticket: Ticket, lead: Department, now: dt.datetime) -> None:
    """派单: the ticket's fields once dispatched to ``lead`` (nothing saved)."""
    ticket.status = lifecycle.check(ticket, "dispatch")
    limit = deadlines.limit_for(ticket.request_type, ticket.category, ticket.urgency)
    ticket.lead_department = lead
    ticket.dispatched_at = now
    ticket.accept_due = deadlines.accept_due(now, limit)
    ticket.handle_due = deadlines.handle_due(now, limit)
    ticket.expected_at = ticket.handle_due
    ticket.accepted_at = None
    ticket.accepted_on_time = None
    ticket.closed_on_time = None
    ticket.dispatch_count += 1
    ticket.accept_warned = ticket.accept_escalated = ticket.handle_warned = ticket.escalated = False


def _dispatch_rows(
    actor: MaybeActor, ticket: Ticket, lead: Department, helpers: Sequence[Department], *, note: str, now: dt.datetime
) -> tuple[list[TicketAssignment], TicketEvent]:
    """The assignments and the timeline event of a dispatch (unsaved)."""
    assignments = [TicketAssignment(ticket=ticket, department=lead, role=AssignmentRole.LEAD, assigned_at=now)] + [
        TicketAssignment(ticket=ticket, department=h, role=AssignmentRole.ASSIST, assigned_at=now) for h in helpers
    ]
    event = TicketEvent(
        ticket=ticket,
        kind=EventKind.DISPATCHED,
        actor=actor if isinstance(actor, User) else None,
        actor_label=actor_label(actor)[:150],
        department_id=lead.pk,
        note=note,
        public=True,
        data={"assisting": [h.code for h in helpers], "accept_due": ticket.accept_due, "handle_due": ticket.handle_due},
    )
    return assignments, event


def dispatch(
    actor: MaybeActor,
    ticket: Ticket,
    department: Department | int,
    assisting: Sequence[Department | int] = (),
    *,
    note: str = "",
    category: Category | None = None,
    urgency: str | None = None,
    request_type: str | None = None,
) -> Ticket:
    """派单: send a ticket to a lead department (and assisting ones). The dispatcher may correct the
    category, urgency and type on the way; the deadlines follow from them."""
    access.require_dispatcher(actor, "dispatch", ticket)
    with transaction.atomic():
        ticket = _lock(ticket)
        lifecycle.check(ticket, "dispatch")
        before = {"category": ticket.category_id, "request_type": ticket.request_type, "refusals": ticket.refusal_count}
        changed = []
        if category is not None and category.pk != ticket.category_id:
            ticket.category = category
            ticket.category_top_id = _top_id(category)
            changed += ["category", "category_top"]
        if urgency and urgency != ticket.urgency:
            if urgency not in Urgency.values:
                raise ValidationFailed({"urgency": [_("Choose an urgency.")]})
            ticket.urgency = urgency
            changed.append("urgency")
        if request_type and request_type != ticket.request_type:
            if request_type not in RequestType.values:
                raise ValidationFailed({"request_type": [_("Choose a request type.")]})
            ticket.request_type = request_type
            changed.append("request_type")
        if changed:
            ticket.save(update_fields=changed)
        routed = ticket.routed_department_id
        _dispatch(actor, ticket, department, assisting, note=note)
        overridden = routed is not None and routed != ticket.lead_department_id
        classifier.send_feedback(ticket, actor, "dispatch", before)
        audit(
            actor,
            "hotline.dispatched",
            ticket,
            summary=f"{ticket.number} → {ticket.lead_department.code if ticket.lead_department else ''}",
            data={"routed": routed, "overridden": overridden, "changed": changed},
        )
    return ticket


def answer_directly(actor: MaybeActor, ticket: Ticket, reply: str) -> Ticket:
    """直接答复: the agent answers a consultation on the spot and closes the ticket."""
    access.require_dispatcher(actor, "answer", ticket)
    reply = _required_text(reply, "reply", _("Write the answer given to the caller."))
    with transaction.atomic():
        ticket = _lock(ticket)
        ticket.status = lifecycle.check(ticket, "answer")
        now = timezone.now()
        ticket.reply = ticket.public_reply = reply
        ticket.replied_at = ticket.closed_at = now
        ticket.closed_on_time = True
        _touch(ticket, "status", "reply", "public_reply", "replied_at", "closed_at", "closed_on_time")
        _event(ticket, EventKind.ANSWERED, actor, note=reply, public=True)
        audit(actor, "hotline.answered", ticket, summary=ticket.number)
        _start_return_visit(ticket)
    return ticket


def accept(actor: MaybeActor, ticket: Ticket) -> Ticket:
    """签收: the lead department takes the ticket on."""
    with transaction.atomic():
        ticket = _lock(ticket)
        access.require_lead(actor, ticket, "accept")
        ticket.status = lifecycle.check(ticket, "accept")
        now = timezone.now()
        ticket.accepted_at = now
        ticket.accepted_on_time = ticket.accept_due is None or now <= ticket.accept_due
        _touch(ticket, "status", "accepted_at", "accepted_on_time")
        TicketAssignment.objects.filter(
            ticket=ticket, department=ticket.lead_department, role=AssignmentRole.LEAD, ended_at__isnull=True
        ).update(accepted_at=now)
        _event(ticket, EventKind.ACCEPTED, actor, department_id=ticket.lead_department_id, public=True)
        audit(actor, "hotline.accepted", ticket, summary=ticket.number, data={"on_time": ticket.accepted_on_time})
    return ticket


def _required_text(value: str, field_name: str, message: str, limit: int = DESCRIPTION_LIMIT) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed({field_name: [message]})
    if len(text) > limit:
        raise ValidationFailed({field_name: [_("At most %(n)s characters.") % {"n": limit}]})
    return text


def _end_assignments(ticket: Ticket, now: Any, *, role: str | None = None) -> None:
    assignments = TicketAssignment.objects.filter(ticket=ticket, ended_at__isnull=True)
    if role:
        assignments = assignments.filter(role=role)
    assignments.update(ended_at=now)


def refuse(actor: MaybeActor, ticket: Ticket, reason: str) -> Ticket:
    """退单: the lead department says the ticket is not theirs. It returns to the dispatcher and
    counts against the routing that sent it."""
    reason = _required_text(reason, "reason", _("Say why the ticket is not your department's."), 500)
    with transaction.atomic():
        ticket = _lock(ticket)
        access.require_lead(actor, ticket, "refuse")
        ticket.status = lifecycle.check(ticket, "refuse")
        now = timezone.now()
        department_id = ticket.lead_department_id
        ticket.lead_department = None
        ticket.accept_due = ticket.handle_due = None
        ticket.refusal_count += 1
        _touch(ticket, "status", "lead_department", "accept_due", "handle_due", "refusal_count")
        _end_assignments(ticket, now)
        _event(ticket, EventKind.REFUSED, actor, department_id=department_id, note=reason)
        classifier.send_feedback(ticket, actor, "refusal", {"department": department_id})
        audit(actor, "hotline.refused", ticket, summary=f"{ticket.number}: {reason}"[:300])
    return ticket


def transfer(actor: MaybeActor, ticket: Ticket, department: Department | int, reason: str) -> Ticket:
    """转派: the dispatcher moves a ticket to another department, or the lead department passes it
    to one of its own subordinate units. The 办理 deadline keeps running."""
    target = _department(department)
    reason = _required_text(reason, "reason", _("Say why the ticket is transferred."), 500)
    with transaction.atomic():
        ticket = _lock(ticket)
        if not access.hotline_scope(actor).dispatcher:
            access.require_lead(actor, ticket, "transfer")
            if target.parent_id != ticket.lead_department_id:
                raise AccessDenied(
                    "hotline.transfer",
                    target=ticket,
                    reason="a department may transfer only to its own subordinate units",
                )
        ticket.status = lifecycle.check(ticket, "transfer")
        if target.pk == ticket.lead_department_id:
            raise ValidationFailed({"department": [_("The ticket is already with this department.")]})
        now = timezone.now()
        previous = ticket.lead_department_id
        limit = deadlines.limit_for(ticket.request_type, ticket.category, ticket.urgency)
        ticket.lead_department = target
        ticket.accept_due = deadlines.accept_due(now, limit)
        ticket.accepted_at = None
        ticket.accepted_on_time = None
        ticket.accept_warned = ticket.accept_escalated = False
        ticket.dispatch_count += 1
        _touch(
            ticket,
            "status",
            "lead_department",
            "accept_due",
            "accepted_at",
            "accepted_on_time",
            "accept_warned",
            "accept_escalated",
            "dispatch_count",
        )
        _end_assignments(ticket, now, role=AssignmentRole.LEAD)
        TicketAssignment.objects.create(ticket=ticket, department=target, role=AssignmentRole.LEAD, assigned_at=now)
        ExtensionRequest.objects.filter(ticket=ticket, status=ExtensionStatus.PENDING).update(
            status=ExtensionStatus.REJECTED, decided_at=now, decision_note="transferred"
        )
        _event(
            ticket,
            EventKind.TRANSFERRED,
            actor,
            department_id=target.pk,
            note=reason,
            public=True,
            data={"from": previous},
        )
        classifier.send_feedback(ticket, actor, "transfer", {"department": previous})
        _tell_staff(
            department_staff(target.pk),
            ticket,
            _("Ticket %(number)s transferred to you") % {"number": ticket.number},
            reason,
        )
        audit(actor, "hotline.transferred", ticket, summary=f"{ticket.number} {previous} → {target.code}")
    return ticket


def request_extension(actor: MaybeActor, ticket: Ticket, days: int, reason: str) -> ExtensionRequest:
    """延期申请: the lead department asks a 12345 supervisor for more working days."""
    if not 1 <= int(days) <= 30:
        raise ValidationFailed({"days": [_("Ask for 1 to 30 working days.")]})
    reason = _required_text(reason, "reason", _("Say why more time is needed."), 500)
    with transaction.atomic():
        ticket = _lock(ticket)
        access.require_lead(actor, ticket, "request_extension")
        lifecycle.check(ticket, "request_extension")
        if ExtensionRequest.objects.filter(ticket=ticket, status=ExtensionStatus.PENDING).exists():
            raise Conflict(_("An extension request for this ticket is already waiting for a decision."))
        assert ticket.lead_department is not None  # a handling ticket always has one
        extension = ExtensionRequest.objects.create(
            ticket=ticket,
            department=ticket.lead_department,
            requested_by=actor if isinstance(actor, User) else None,
            days=int(days),
            reason=reason,
        )
        _touch(ticket)
        _event(
            ticket,
            EventKind.EXTENSION_REQUESTED,
            actor,
            department_id=ticket.lead_department_id,
            note=reason,
            data={"days": int(days)},
        )
        _tell_staff(
            centre_staff([Role.SUPERVISOR]),
            ticket,
            _("Extension requested for %(number)s") % {"number": ticket.number},
            f"+{int(days)}: {reason}",
        )
        audit(actor, "hotline.extension_requested", ticket, summary=f"{ticket.number} +{days}")
    return extension


def decide_extension(actor: MaybeActor, extension: ExtensionRequest, *, approve: bool, note: str = "") -> Ticket:
    access.require_centre_supervisor(actor, "decide_extension", extension.ticket)
    with transaction.atomic():
        ticket = _lock(extension.ticket)
        lifecycle.check(ticket, "decide_extension")
        extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
        if extension.status != ExtensionStatus.PENDING:
            raise Conflict(_("This extension request was already decided."))
        now = timezone.now()
        extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
        extension.decided_by = actor if isinstance(actor, User) else None
        extension.decided_at = now
        extension.decision_note = note[:300]
        extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        fields = []
        if approve and ticket.handle_due is not None:
            ticket.handle_due = deadlines.extend(ticket.handle_due, extension.days)
            ticket.expected_at = ticket.handle_due
            ticket.extension_days += extension.days
            ticket.handle_warned = False
            fields = ["handle_due", "expected_at", "extension_days", "handle_warned"]
        _touch(ticket, *fields)
        kind = EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REJECTED
        _event(ticket, kind, actor, note=note, data={"days": extension.days, "handle_due": ticket.handle_due})
        if ticket.lead_department_id:
            _tell_staff(
                department_staff(ticket.lead_department_id),
                ticket,
                _("Extension for %(number)s: %(decision)s")
                % {"number": ticket.number, "decision": _("approved") if approve else _("rejected")},
                note,
            )
        audit(actor, f"hotline.{kind}", ticket, summary=f"{ticket.number} +{extension.days}")
    return ticket


def give_opinion(actor: MaybeActor, ticket: Ticket, text: str) -> Ticket:
    """协办意见: an assisting department's contribution, for the lead department's reply."""
    text = _required_text(text, "opinion", _("Write your department's opinion."))
    with transaction.atomic():
        ticket = _lock(ticket)
        lifecycle.check(ticket, "opinion")
        mine = access.active_assist_departments(ticket) & access.hotline_scope(actor).departments
        if not mine:
            raise AccessDenied("hotline.opinion", target=ticket, reason="assisting departments only")
        department_id = min(mine)
        TicketAssignment.objects.filter(
            ticket=ticket, department_id=department_id, role=AssignmentRole.ASSIST, ended_at__isnull=True
        ).update(opinion=text)
        _touch(ticket)
        _event(ticket, EventKind.OPINION, actor, department_id=department_id, note=text)
        audit(actor, "hotline.opinion", ticket, summary=ticket.number)
    return ticket


def reply(actor: MaybeActor, ticket: Ticket, text: str, *, files: Sequence[UploadedFile] = ()) -> Ticket:
    """回复: the lead department reports what it did. The dispatcher reviews it before closing."""
    text = _required_text(text, "reply", _("Write the reply."))
    _check_files(files)
    with transaction.atomic():
        ticket = _lock(ticket)
        access.require_lead(actor, ticket, "reply")
        ticket.status = lifecycle.check(ticket, "reply")
        now = timezone.now()
        ticket.reply = text
        ticket.replied_at = now
        ticket.closed_on_time = ticket.handle_due is None or now <= ticket.handle_due
        _touch(ticket, "status", "reply", "replied_at", "closed_on_time")
        for upload in files:
            _save_attachment(ticket, upload, actor)
        _event(ticket, EventKind.REPLIED, actor, department_id=ticket.lead_department_id, note=text)
        audit(actor, "hotline.replied", ticket, summary=ticket.number, data={"on_time": ticket.closed_on_time})
    return ticket


def return_reply(actor: MaybeActor, ticket: Ticket, reason: str) -> Ticket:
    """The dispatcher sends an inadequate reply back to the department (退回重办)."""
    access.require_dispatcher(actor, "return_reply", ticket)
    reason = _required_text(reason, "reason", _("Say what the reply is missing."), 500)
    with transaction.atomic():
        ticket = _lock(ticket)
        ticket.status = lifecycle.check(ticket, "return_reply")
        ticket.replied_at = None
        ticket.closed_on_time = None
        _touch(ticket, "status", "replied_at", "closed_on_time")
        _event(ticket, EventKind.REPLY_RETURNED, actor, department_id=ticket.lead_department_id, note=reason)
        if ticket.lead_department_id:
            _tell_staff(
                department_staff(ticket.lead_department_id),
                ticket,
                _("Reply to %(number)s sent back") % {"number": ticket.number},
                reason,
            )
        audit(actor, "hotline.reply_returned", ticket, summary=f"{ticket.number}: {reason}"[:300])
    return ticket


def close(actor: MaybeActor, ticket: Ticket, public_reply: str = "") -> Ticket:
    """办结: the dispatcher accepts the department's reply and closes the ticket; the return visit
    (回访) starts and every caller of merged duplicates is told the outcome."""
    access.require_dispatcher(actor, "close", ticket)
    with transaction.atomic():
        ticket = _lock(ticket)
        ticket.status = lifecycle.check(ticket, "close")
        ticket.public_reply = _required_text(
            public_reply or ticket.reply, "public_reply", _("Write the reply the citizen will see.")
        )
        ticket.closed_at = timezone.now()
        _touch(ticket, "status", "public_reply", "closed_at")
        _end_assignments(ticket, ticket.closed_at)
        _event(ticket, EventKind.CLOSED, actor, note=ticket.public_reply, public=True)
        audit(actor, "hotline.closed", ticket, summary=ticket.number)
        _start_return_visit(ticket)
    return ticket


RATING_SALT = "pengcheng.hotline.rate"
RATING_LINK_DAYS = 30


def rating_token(ticket: Ticket) -> str:
    return signing.dumps({"t": ticket.pk, "r": ticket.reopen_count}, salt=RATING_SALT, compress=True)


def ticket_from_rating_token(token: str) -> Ticket:
    try:
        value = signing.loads(token, salt=RATING_SALT, max_age=RATING_LINK_DAYS * 24 * 3600)
    except signing.SignatureExpired:
        raise NotFound(_("This link has expired. Call 12345 to give your rating.")) from None
    except signing.BadSignature:
        raise NotFound(_("This link is not valid.")) from None
    ticket = Ticket.objects.filter(pk=value.get("t")).first()
    if ticket is None or ticket.reopen_count != value.get("r"):
        raise NotFound(_("This link is no longer valid."))
    return ticket


def _start_return_visit(ticket: Ticket) -> None:
    """回访 by SMS: the caller gets the reply and a link to rate it; callers of merged duplicates
    are told the outcome too."""
    if ticket.caller_id:
        caller = Caller.objects.get(pk=ticket.caller_id)
        link = site_url(reverse("hotline:rate", args=[rating_token(ticket)]))
        _tell_caller(
            ticket,
            caller,
            _("Request %(number)s answered") % {"number": ticket.number},
            _("%(reply)s Rate the answer: %(link)s") % {"reply": ticket.public_reply[:120], "link": link},
            url=reverse("hotline:rate", args=[rating_token(ticket)]),
        )
    for duplicate in Ticket.objects.filter(parent=ticket).select_related("caller"):
        if duplicate.caller is not None:
            _tell_caller(
                duplicate,
                duplicate.caller,
                _("Request %(number)s answered") % {"number": duplicate.number},
                _("Your report was handled together with %(parent)s: %(reply)s")
                % {"parent": ticket.number, "reply": ticket.public_reply[:200]},
            )
            _event(duplicate, EventKind.NOTIFIED, SYSTEM, note=ticket.public_reply, public=True)


def rate(
    actor: MaybeActor,
    ticket: Ticket,
    rating: str,
    comment: str = "",
    *,
    verified_caller: bool = False,
) -> Ticket:
    """评价: the caller rates the outcome (through the SMS link, their account, or a verified
    tracking session), or an agent records the rating given on a return-visit call."""
    if not verified_caller:
        access.require_dispatcher(actor, "rate", ticket)
    if rating not in Rating.values:
        raise ValidationFailed({"rating": [_("Choose satisfied, basically satisfied or unsatisfied.")]})
    with transaction.atomic():
        ticket = _lock(ticket)
        ticket.status = lifecycle.check(ticket, "rate")
        ticket.rating = rating
        ticket.rating_comment = (comment or "").strip()[:500]
        ticket.rated_at = timezone.now()
        _touch(ticket, "status", "rating", "rating_comment", "rated_at")
        _event(
            ticket,
            EventKind.RATED,
            actor if not verified_caller or isinstance(actor, User) else SYSTEM,
            note=ticket.rating_comment,
            public=True,
            data={"rating": rating, "by": "caller" if verified_caller else "agent"},
        )
        audit(actor, "hotline.rated", ticket, summary=f"{ticket.number} {rating}")
    return ticket


def reopen(actor: MaybeActor, ticket: Ticket, reason: str) -> Ticket:
    """重办: after a 不满意 rating the ticket goes back to the dispatcher under the same number,
    suggested for the department that handled it."""
    access.require_dispatcher(actor, "reopen", ticket)
    reason = _required_text(reason, "reason", _("Say what must be done again."), 500)
    with transaction.atomic():
        ticket = _lock(ticket)
        lifecycle.check(ticket, "reopen")
        if ticket.rating != Rating.UNSATISFIED:
            raise Conflict(_("Only a ticket rated unsatisfied can be reopened."), code="illegal_transition")
        ticket.status = Status.RECEIVED
        ticket.routed_department_id = ticket.lead_department_id or ticket.routed_department_id
        ticket.lead_department = None
        ticket.reopen_count += 1
        ticket.rating = ""
        ticket.rated_at = ticket.closed_at = ticket.replied_at = ticket.accepted_at = None
        ticket.accept_due = ticket.handle_due = None
        ticket.accepted_on_time = ticket.closed_on_time = None
        _touch(
            ticket,
            "status",
            "routed_department",
            "lead_department",
            "reopen_count",
            "rating",
            "rated_at",
            "closed_at",
            "replied_at",
            "accepted_at",
            "accept_due",
            "handle_due",
            "accepted_on_time",
            "closed_on_time",
        )
        _event(ticket, EventKind.REOPENED, actor, note=reason, public=True)
        if ticket.caller_id:
            _tell_caller(
                ticket,
                Caller.objects.get(pk=ticket.caller_id),
                _("Request %(number)s reopened") % {"number": ticket.number},
                _("Your request will be handled again under the same number."),
            )
        audit(actor, "hotline.reopened", ticket, summary=f"{ticket.number}: {reason}"[:300])
    return ticket


def merge(actor: MaybeActor, ticket: Ticket, parent: Ticket, note: str = "") -> Ticket:
    """Merge a duplicate report into the ticket for the same event. Its caller is told now and
    again when the parent is closed."""
    access.require_dispatcher(actor, "merge", ticket)
    if parent.pk == ticket.pk:
        raise ValidationFailed({"parent": [_("A ticket cannot be merged into itself.")]})
    with transaction.atomic():
        first, second = sorted([ticket.pk, parent.pk])
        locked = {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
        ticket, parent = locked[ticket.pk], locked[parent.pk]
        ticket.status = lifecycle.check(ticket, "merge")
        if parent.status == Status.MERGED or parent.parent_id:
            raise Conflict(_("Merge into the main ticket, not into another duplicate."))
        now = timezone.now()
        ticket.parent = parent
        ticket.closed_at = now
        ticket.public_reply = _("Handled together with %(number)s.") % {"number": parent.number}
        _touch(ticket, "status", "parent", "closed_at", "public_reply")
        Ticket.objects.filter(parent=ticket).update(parent=parent, updated_at=now)
        _end_assignments(ticket, now)
        _event(ticket, EventKind.MERGED, actor, note=note, public=True, data={"parent": parent.number})
        _event(
            parent,
            EventKind.NOTE,
            actor,
            note=_("Duplicate %(number)s merged into this ticket.") % {"number": ticket.number},
        )
        _touch(parent)
        if ticket.caller_id:
            _tell_caller(
                ticket,
                Caller.objects.get(pk=ticket.caller_id),
                _("Request %(number)s merged") % {"number": ticket.number},
                _("Others reported the same problem; it is handled as %(parent)s. You will be told the outcome.")
                % {"parent": parent.number},
            )
        audit(actor, "hotline.merged", ticket, summary=f"{ticket.number} → {parent.number}")
    return ticket


def supervise(actor: MaybeActor, ticket: Ticket, *, on: bool, reason: str = "") -> Ticket:
    """督办: flag a ticket for supervision (or lift the flag)."""
    access.require_centre_supervisor(actor, "supervise", ticket)
    if on:
        reason = _required_text(reason, "reason", _("Say why the ticket is supervised."), 300)
    with transaction.atomic():
        ticket = _lock(ticket)
        lifecycle.check(ticket, "supervise")
        ticket.supervised = on
        ticket.supervised_reason = reason if on else ""
        _touch(ticket, "supervised", "supervised_reason")
        _event(ticket, EventKind.SUPERVISED, actor, note=reason, data={"on": on})
        if on and ticket.lead_department_id:
            _tell_staff(
                department_staff(ticket.lead_department_id),
                ticket,
                _("Ticket %(number)s is under supervision") % {"number": ticket.number},
                reason,
            )
        audit(actor, "hotline.supervised" if on else "hotline.unsupervised", ticket, summary=ticket.number)
    return ticket


def add_note(actor: MaybeActor, ticket: Ticket, text: str) -> TicketEvent:
    text = _required_text(text, "note", _("Write the note."))
    with transaction.atomic():
        ticket = _lock(ticket)
        if not (access.hotline_scope(actor).dispatcher or access.in_chain(actor, ticket)):
            raise AccessDenied("hotline.note", target=ticket, reason="the handling chain only")
        lifecycle.check(ticket, "note")
        _touch(ticket)
        event = _event(ticket, EventKind.NOTE, actor, note=text)
        audit(actor, "hotline.note", ticket, summary=ticket.number)
    return event


# Citizen tracking -----------------------------------------------------------------------------------

TRACKING_CODE_MINUTES = 10
TRACKING_MAX_ATTEMPTS = 5


def _code_hash(ticket_id: int, code: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ticket_id}:{code}".encode()).hexdigest()


def find_ticket_for_caller(number: str, phone: str) -> Ticket | None:
    from pengcheng.hotline.selectors import ticket_by_number

    ticket = ticket_by_number(number)
    phone = normalise_phone(phone)
    if ticket is None or not phone or ticket.caller is None or ticket.caller.phone != phone:
        return None
    return ticket


def send_tracking_code(number: str, phone: str) -> None:
    """Text a one-time code to the caller's phone. Says nothing about whether the number and phone
    match, so the form cannot be used to probe for tickets."""
    ticket = find_ticket_for_caller(number, phone)
    if ticket is None:
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        TrackingCode.objects.filter(ticket=ticket, used_at__isnull=True).update(used_at=timezone.now())
        TrackingCode.objects.create(ticket=ticket, code_hash=_code_hash(ticket.pk, code))
        notify(
            None,
            subject=_("12345 verification code"),
            body=_("Your code for request %(number)s is %(code)s. It is valid for %(m)s minutes.")
            % {"number": ticket.number, "code": code, "m": TRACKING_CODE_MINUTES},
            category="hotline.tracking",
            channels=[NotifyChannel.SMS],
            phone=ticket.caller.phone if ticket.caller else "",
        )


def verify_tracking_code(number: str, phone: str, code: str) -> Ticket | None:
    """The ticket, if ``code`` is the latest unexpired code sent for it; each try is counted."""
    ticket = find_ticket_for_caller(number, phone)
    if ticket is None:
        return None
    with transaction.atomic():
        latest = (
            TrackingCode.objects.select_for_update()
            .filter(ticket=ticket, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if latest is None:
            return None
        expired = timezone.now() - latest.created_at > dt.timedelta(minutes=TRACKING_CODE_MINUTES)
        latest.attempts += 1
        if expired or latest.attempts > TRACKING_MAX_ATTEMPTS:
            latest.used_at = timezone.now()
            latest.save(update_fields=["attempts", "used_at"])
            return None
        if not secrets.compare_digest(latest.code_hash, _code_hash(ticket.pk, code.strip())):
            latest.save(update_fields=["attempts"])
            return None
        latest.used_at = timezone.now()
        latest.save(update_fields=["attempts", "used_at"])
    return ticket


# Inbound messages -----------------------------------------------------------------------------------


def receive_message(
    actor: MaybeActor,
    *,
    channel: str,
    external_id: str,
    sender: str,
    body: str,
    subject: str = "",
    sender_name: str = "",
    received_at: Any = None,
) -> tuple[InboundMessage, bool]:
    """Store one inbound SMS, e-mail or WeChat message (idempotent on the channel's message id).
    Returns the message and whether it was new."""
    from pengcheng.hotline.models import InboundChannel

    errors: dict[str, list[str]] = {}
    if channel not in InboundChannel.values:
        errors["channel"] = [_("Unknown channel.")]
    if not (external_id or "").strip():
        errors["external_id"] = [_("Each message needs its channel's message id.")]
    if not (sender or "").strip():
        errors["sender"] = [_("Each message needs a sender.")]
    if not (body or "").strip():
        errors["body"] = [_("The message is empty.")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        message, created = InboundMessage.objects.get_or_create(
            channel=channel,
            external_id=external_id.strip()[:200],
            defaults={
                "sender": sender.strip()[:200],
                "sender_name": (sender_name or "").strip()[:100],
                "subject": (subject or "").strip()[:200],
                "body": body.strip(),
                "received_at": received_at or timezone.now(),
            },
        )
        if created:
            audit(actor, "hotline.message_received", message, summary=f"{channel} {message.sender}"[:300])
    return message, created


def ticket_from_message(actor: MaybeActor, message: InboundMessage, data: TicketInput) -> Ticket:
    """An agent turns a message into a ticket."""
    access.require_dispatcher(actor, "message_to_ticket")
    with transaction.atomic():
        message = InboundMessage.objects.select_for_update().get(pk=message.pk)
        if message.status != InboundStatus.NEW:
            raise Conflict(_("This message was already dealt with."))
        ticket = create_ticket(actor, data)
        message.status = InboundStatus.TICKETED
        message.ticket = ticket
        message.save(update_fields=["status", "ticket"])
    return ticket


def ignore_message(actor: MaybeActor, message: InboundMessage) -> InboundMessage:
    access.require_dispatcher(actor, "message_ignore")
    with transaction.atomic():
        message = InboundMessage.objects.select_for_update().get(pk=message.pk)
        if message.status != InboundStatus.NEW:
            raise Conflict(_("This message was already dealt with."))
        message.status = InboundStatus.IGNORED
        message.save(update_fields=["status"])
        audit(actor, "hotline.message_ignored", message, summary=message.sender)
    return message


# Routing table and time limits ---------------------------------------------------------------------


def _forget_routing() -> None:
    """This process reloads the tables now and again at commit (another thread may have loaded the
    old rows in between); the other processes within their cache time."""
    for forget in (routing.forget_rules, deadlines.forget_rules):
        forget()
        transaction.on_commit(forget)


def save_routing_entry(
    actor: MaybeActor, entry: RoutingRule | TimeLimit, save_related: Callable[[], None] | None = None
) -> RoutingRule | TimeLimit:
    """Save a routing rule (派单规则) or a time limit (办理时限) that its form has validated;
    12345-centre supervisors only. ``save_related`` saves its many-to-many fields (the assisting
    departments) in the same transaction."""
    access.require_centre_supervisor(actor, "routing.edit")
    with transaction.atomic():
        entry.save()
        if save_related is not None:
            save_related()
        audit(actor, f"hotline.{entry._meta.model_name}_saved", entry, summary=str(entry)[:300])
        _forget_routing()
    return entry


def delete_routing_entry(actor: MaybeActor, model: type[RoutingRule] | type[TimeLimit], pk: Any) -> None:
    """Delete a routing rule or a time limit; 12345-centre supervisors only."""
    access.require_centre_supervisor(actor, "routing.edit")
    with transaction.atomic():
        entry = model.objects.filter(pk=pk).first()
        if entry is None:
            raise NotFound(_("Already deleted."))
        audit(actor, f"hotline.{model._meta.model_name}_deleted", entry, summary=str(entry)[:300])
        entry.delete()
        _forget_routing()
