"""民意速办: 12345 tickets, their categories, routing, time limits, events and statistics.

A ticket runs the national closed loop 受理 → 派单 → 签收 → 办理 → 回复 → 办结 → 回访 → 评价. Every
change goes through ``services`` (which checks the state machine in ``lifecycle``), leaves a
``TicketEvent`` on the ticket's timeline and an audit record.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pengcheng.core.models import Department, Division


class RequestType(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    HELP = "help", _("Request for help")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("Report of wrongdoing")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")


# The Chinese names used by other systems and imported files.
REQUEST_TYPE_NAMES = {
    "咨询": RequestType.CONSULTATION,
    "求助": RequestType.HELP,
    "投诉": RequestType.COMPLAINT,
    "投诉/求助": RequestType.COMPLAINT,
    "举报": RequestType.REPORT,
    "建议": RequestType.SUGGESTION,
    "建言": RequestType.SUGGESTION,
    "意见建议": RequestType.SUGGESTION,
    "表扬": RequestType.PRAISE,
    "感谢": RequestType.PRAISE,
}


class Urgency(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("hotline", "Normal")
    URGENT = "urgent", _("Urgent")
    CRITICAL = "critical", _("Critical")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    PORTAL = "portal", _("Web portal")
    APP = "app", _("Mobile app")
    OPEN311 = "open311", _("Open311 client")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
    OTHER = "other", _("Other")


CHANNEL_NAMES = {
    "电话": Channel.PHONE,
    "网站": Channel.PORTAL,
    "网络": Channel.PORTAL,
    "e福州app": Channel.APP,
    "12345app": Channel.APP,
    "app": Channel.APP,
    "微信": Channel.WECHAT,
    "短信": Channel.SMS,
    "邮件": Channel.EMAIL,
    "qq": Channel.OTHER,
    "微博": Channel.OTHER,
}


class Status(models.TextChoices):
    RECEIVED = "received", _("Received, awaiting dispatch")
    DISPATCHED = "dispatched", _("Dispatched, awaiting acceptance")
    HANDLING = "handling", _("Being handled")
    REPLIED = "replied", _("Replied, awaiting review")
    CLOSED = "closed", _("Closed, awaiting return visit")
    RATED = "rated", _("Rated")
    MERGED = "merged", _("Merged into another ticket")


OPEN_STATUSES = (Status.RECEIVED, Status.DISPATCHED, Status.HANDLING, Status.REPLIED)
FINISHED_STATUSES = (Status.CLOSED, Status.RATED, Status.MERGED)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class ServiceType(models.TextChoices):
    """Open311 ``type`` of a service: how a POST answers."""

    REALTIME = "realtime", _("Realtime: the ticket number is returned at once")
    BATCH = "batch", _("Batch: a token is returned, the ticket is created by a job")


class Category(models.Model):
    """One node of the three-level category tree (一级/二级/三级分类). Leaves are Open311 services."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    level = models.PositiveSmallIntegerField(_("level"))
    path_name = models.CharField(_("full name"), max_length=300)
    description = models.CharField(_("description"), max_length=500, blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    service_type = models.CharField(
        _("Open311 type"), max_length=10, choices=ServiceType.choices, default=ServiceType.REALTIME
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")

    def __str__(self) -> str:
        return self.path_name

    @property
    def top_code(self) -> str:
        return self.code[:2]


class AttributeType(models.TextChoices):
    """Open311 service-definition datatypes."""

    STRING = "string", "string"
    NUMBER = "number", "number"
    DATETIME = "datetime", "datetime"
    TEXT = "text", "text"
    SINGLE = "singlevaluelist", "singlevaluelist"
    MULTI = "multivaluelist", "multivaluelist"


class CategoryAttribute(models.Model):
    """An extra question for a category (an Open311 service-definition attribute)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attributes")
    code = models.CharField(_("code"), max_length=40)
    datatype = models.CharField(_("type"), max_length=20, choices=AttributeType.choices)
    required = models.BooleanField(_("required"), default=False)
    variable = models.BooleanField(_("asks for input"), default=True)
    description = models.CharField(_("question"), max_length=300)
    datatype_description = models.CharField(_("input hint"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    # [{"key": "...", "name": "..."}] for the list types
    values = models.JSONField(_("values"), default=list, blank=True)

    class Meta:
        ordering = ["category", "order"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="hotline_attribute_code_unique")]
        verbose_name = _("category attribute")
        verbose_name_plural = _("category attributes")

    def __str__(self) -> str:
        return f"{self.category.code}:{self.code}"


class Caller(models.Model):
    """Someone who contacted the hotline, known by phone number (and possibly a portal account)."""

    phone = models.CharField(_("phone"), max_length=20, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=60, blank=True)
    id_number = models.CharField(_("identity number"), max_length=18, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="hotline_callers"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("caller")
        verbose_name_plural = _("callers")

    def __str__(self) -> str:
        return self.name or self.phone or f"#{self.pk}"


class RoutingRule(models.Model):
    """派单规则: tickets of ``category`` (or any of its descendants) located in a division starting with
    ``division_prefix`` go to ``department``. The most specific rule wins."""

    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="routing_rules"
    )
    division_prefix = models.CharField(_("division code prefix"), max_length=12, blank=True)
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+", verbose_name=_("lead"))
    assisting = models.ManyToManyField(Department, blank=True, related_name="+", verbose_name=_("assisting"))
    auto_dispatch = models.BooleanField(
        _("dispatch automatically"), default=False, help_text=_("Dispatch on intake without a dispatcher.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category__code", "division_prefix"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.category or '*'} @ {self.division_prefix or '*'} → {self.department}"


class LimitUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


class TimeLimit(models.Model):
    """办理时限: how long a department has to accept (签收) and to handle (办理) a ticket. Blank fields
    match anything; the most specific matching rule applies."""

    request_type = models.CharField(_("request type"), max_length=20, choices=RequestType.choices, blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    accept_minutes = models.PositiveIntegerField(_("accept within (working minutes)"))
    handle_amount = models.PositiveIntegerField(_("handle within"))
    handle_unit = models.CharField(_("unit"), max_length=16, choices=LimitUnit.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")

    def __str__(self) -> str:
        return f"{self.request_type or '*'}/{self.category or '*'}/{self.urgency or '*'}"


class ImportBatch(models.Model):
    """One bulk import of historical tickets, with its bad rows."""

    file_name = models.CharField(_("file"), max_length=300)
    mapping = models.JSONField(_("column mapping"), default=dict)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_bad = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row": n, "reason": "..."}], the first 1000

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("ticket import")
        verbose_name_plural = _("ticket imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows_imported}/{self.rows_total})"


class Ticket(models.Model):
    """工单: one citizen request. Its number is derived from its creation date and id."""

    request_type = models.CharField(_("type"), max_length=20, choices=RequestType.choices)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("category")
    )
    # The first-level category, kept for the statistics.
    category_top = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    title = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))

    caller = models.ForeignKey(
        Caller, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("caller")
    )
    anonymous = models.BooleanField(_("keep my identity from the handling department"), default=False)

    address = models.CharField(_("address"), max_length=300, blank=True)
    division = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("division")
    )
    district_code = models.CharField(_("district"), max_length=6, blank=True)
    lat = models.FloatField(_("latitude (WGS84)"), null=True, blank=True)
    lng = models.FloatField(_("longitude (WGS84)"), null=True, blank=True)
    location_source = models.CharField(_("how the place was found"), max_length=40, blank=True)

    lead_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead department")
    )
    routed_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("routing suggests"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("merged into"),
    )

    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    received_on = models.DateField(_("received on"))  # local date, for the daily statistics
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accept_due = models.DateTimeField(_("accept by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    handle_due = models.DateTimeField(_("handle by"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    expected_at = models.DateTimeField(_("expected by"), null=True, blank=True)
    accepted_on_time = models.BooleanField(null=True, blank=True)
    closed_on_time = models.BooleanField(null=True, blank=True)

    reply = models.TextField(_("department's reply"), blank=True)
    public_reply = models.TextField(_("reply to the citizen"), blank=True)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)

    supervised = models.BooleanField(_("under supervision (督办)"), default=False)
    supervised_reason = models.CharField(_("supervision note"), max_length=300, blank=True)
    dispatch_count = models.PositiveSmallIntegerField(default=0)
    refusal_count = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    extension_days = models.PositiveSmallIntegerField(default=0)
    accept_warned = models.BooleanField(default=False)
    accept_escalated = models.BooleanField(default=False)
    handle_warned = models.BooleanField(default=False)
    escalated = models.BooleanField(default=False)

    # Open311 and import provenance
    attributes = models.JSONField(_("extra answers"), default=dict, blank=True)
    media_url = models.CharField(_("media URL"), max_length=500, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(_("source number"), max_length=100, blank=True)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at"], name="hotline_ticket_created"),
            models.Index(fields=["received_on"], name="hotline_ticket_received_on"),
            models.Index(fields=["updated_at"], name="hotline_ticket_updated"),
            models.Index(fields=["lead_department", "status"], name="hotline_ticket_lead_status"),
            models.Index(fields=["status", "created_at"], name="hotline_ticket_status_created"),
            models.Index(fields=["accept_due"], name="hotline_ticket_accept_due", condition=Q(status="dispatched")),
            models.Index(
                fields=["handle_due"],
                name="hotline_ticket_handle_due",
                condition=Q(status__in=["dispatched", "handling"]),
            ),
        ]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """工单编号: the local date of receipt and the id, e.g. ``2611260000042``."""
        return ticket_number(self.received_on, self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def handle_overdue(self) -> bool:
        if self.handle_due is None:
            return False
        end = self.replied_at if self.status not in (Status.DISPATCHED, Status.HANDLING) else timezone.now()
        return bool(end and end > self.handle_due)

    @property
    def accept_overdue(self) -> bool:
        return self.status == Status.DISPATCHED and self.accept_due is not None and timezone.now() > self.accept_due


def ticket_number(received_on: dt.date, pk: int | None) -> str:
    return f"{received_on:%y%m%d}{pk or 0:07d}"


def parse_ticket_number(number: str) -> tuple[dt.date, int] | None:
    """(date, id) from a ticket number, or None if it cannot be one."""
    number = number.strip()
    if not number.isdigit() or len(number) < 13:
        return None
    try:
        day = dt.datetime.strptime(number[:6], "%y%m%d").date()
    except ValueError:
        return None
    return day, int(number[6:])


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead (主办)")
    ASSIST = "assist", _("Assisting (协办)")


class TicketAssignment(models.Model):
    """A department's part in handling a ticket. Ended assignments stay: they are the handling chain."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=8, choices=AssignmentRole.choices)
    assigned_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)  # an assisting department's input

    class Meta:
        ordering = ["assigned_at", "id"]
        indexes = [models.Index(fields=["department", "ended_at"], name="hotline_assign_dept_open")]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.role} {self.department_id}"


class EventKind(models.TextChoices):
    CREATED = "created", _("Received")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", pgettext_lazy("hotline", "Accepted")
    REFUSED = "refused", _("Refused (returned to dispatcher)")
    TRANSFERRED = "transferred", _("Transferred")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved")
    EXTENSION_REJECTED = "extension_rejected", _("Extension rejected")
    OPINION = "opinion", _("Assisting opinion")
    REPLIED = "replied", _("Replied")
    REPLY_RETURNED = "reply_returned", _("Reply sent back")
    CLOSED = "closed", _("Closed")
    ANSWERED = "answered", _("Answered directly")
    RATED = "rated", _("Rated")
    REOPENED = "reopened", _("Reopened")
    MERGED = "merged", _("Merged")
    SUPERVISED = "supervised", _("Supervision flag changed")
    NOTE = "note", _("Note")
    WARNED = "warned", _("Deadline warning")
    ESCALATED = "escalated", _("Escalated")
    NOTIFIED = "notified", _("Caller informed")


class TicketEvent(models.Model):
    """One entry on a ticket's timeline. ``public`` entries are shown to the citizen."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    public = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["kind", "at"], name="hotline_event_kind_at")]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", pgettext_lazy("hotline", "Rejected")


class ExtensionRequest(models.Model):
    """延期申请: the lead department asks for more working days; a hotline supervisor decides."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="extensions")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    days = models.PositiveSmallIntegerField(_("extra working days"))
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(status="pending"), name="hotline_one_pending_extension"
            )
        ]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")

    def __str__(self) -> str:
        return f"{self.ticket_id} +{self.days} ({self.status})"


class Attachment(models.Model):
    """A photo or document attached to a ticket. Served only through a permission-checked view."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="hotline/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class TrackingCode(models.Model):
    """A one-time code sent by SMS to the caller's phone, so that knowing a ticket number and a phone
    number is not enough to read the ticket: holding the phone is."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tracking code")
        verbose_name_plural = _("tracking codes")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.created_at:%Y-%m-%d %H:%M}"


class InboundChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")


class InboundStatus(models.TextChoices):
    NEW = "new", _("New message")
    TICKETED = "ticketed", _("Ticket created")
    IGNORED = "ignored", _("Ignored")


class InboundMessage(models.Model):
    """A message received on SMS, e-mail or WeChat. Each becomes a ticket (or is set aside as noise)."""

    channel = models.CharField(max_length=10, choices=InboundChannel.choices)
    external_id = models.CharField(max_length=200)
    sender = models.CharField(_("sender"), max_length=200)
    sender_name = models.CharField(max_length=100, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=InboundStatus.choices, default=InboundStatus.NEW)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="hotline_inbound_unique")]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")

    def __str__(self) -> str:
        return f"{self.channel}:{self.sender}"


class Open311Submission(models.Model):
    """A POST to a batch service: validated and located, waiting for the job that creates the ticket."""

    token = models.CharField(max_length=40, unique=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    ticket = models.OneToOneField(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")

    def __str__(self) -> str:
        return self.token


class Open311Device(models.Model):
    """The last POST seen from a device, so a repeated POST within a minute does not duplicate a ticket."""

    device_id = models.CharField(max_length=100, unique=True)
    fingerprint = models.CharField(max_length=64)
    last_at = models.DateTimeField()
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submission = models.ForeignKey(
        Open311Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("Open311 device")
        verbose_name_plural = _("Open311 devices")

    def __str__(self) -> str:
        return self.device_id


class DailyTicketStat(models.Model):
    """Tickets received on ``day``, counted by where they stand now (a cohort), per department,
    district, first-level category and type. Rebuilt for changed days by ``stats.refresh``."""

    day = models.DateField()
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    district_code = models.CharField(max_length=6, blank=True)
    category_top = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    request_type = models.CharField(max_length=20)
    received = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    accepted_on_time = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    # Closed tickets whose 办结 on time or late is known: the on-time rate's denominator (an imported
    # ticket without a reply time is closed, but neither on time nor late).
    closed_timed = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basically_satisfied = models.PositiveIntegerField(default=0)
    unsatisfied = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="hotline_dstat_day")]
        verbose_name = _("daily ticket figures")
        verbose_name_plural = _("daily ticket figures")

    def __str__(self) -> str:
        return f"{self.day} {self.department_id} {self.district_code}"


class DailyDispatchStat(models.Model):
    """Dispatches and refusals (退单) on ``day``, per department that received or refused them."""

    day = models.DateField()
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    district_code = models.CharField(max_length=6, blank=True)
    category_top = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    request_type = models.CharField(max_length=20)
    dispatched = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="hotline_dispatch_stat_day")]
        verbose_name = _("daily dispatch figures")
        verbose_name_plural = _("daily dispatch figures")

    def __str__(self) -> str:
        return f"{self.day} {self.department_id}"


class StatsState(models.Model):
    """Where the last statistics refresh stopped."""

    refreshed_at = models.DateTimeField(null=True, blank=True)
    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("statistics state")

    def __str__(self) -> str:
        return f"{self.refreshed_at}"
