"""Online applications (办件): their state machine, events, uploaded materials and deadlines.

States and the transitions allowed between them are declared once, in ``TRANSITIONS``; the services
refuse anything else with ``Conflict``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pengcheng.catalog.models import Channel, ItemVersion, Material, ServiceItem
from pengcheng.core.models import Company, Department, Division


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CORRECTION = "correction", _("Returned for correction")
    ACCEPTED = "accepted", _("Accepted")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DELIVERED = "delivered", _("Result delivered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Action(models.TextChoices):
    CREATE = "create", _("Started")
    SUBMIT = "submit", pgettext_lazy("application", "Submit")
    RESUBMIT = "resubmit", _("Resubmit after correction")
    ACCEPT = "accept", _("Accept (受理)")
    RETURN = "return", _("Return for correction (补正)")
    REVIEW = "review", _("Start review")
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    DELIVER = "deliver", _("Deliver the result")
    WITHDRAW = "withdraw", _("Withdraw")
    ASSIGN = "assign", _("Assign")
    WARN = "warn", _("Deadline warning")
    ESCALATE = "escalate", _("Escalated as overdue")
    REFER = "refer", _("Referred to a clerk")


# action: (states it may start from, state it leads to). Withdrawal is allowed before a decision.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Action.SUBMIT: (frozenset({State.DRAFT}), State.SUBMITTED),
    Action.RESUBMIT: (frozenset({State.CORRECTION}), State.SUBMITTED),
    Action.ACCEPT: (frozenset({State.SUBMITTED}), State.ACCEPTED),
    Action.RETURN: (frozenset({State.SUBMITTED, State.ACCEPTED, State.UNDER_REVIEW}), State.CORRECTION),
    Action.REVIEW: (frozenset({State.ACCEPTED}), State.UNDER_REVIEW),
    Action.APPROVE: (frozenset({State.UNDER_REVIEW}), State.APPROVED),
    Action.REJECT: (frozenset({State.SUBMITTED, State.ACCEPTED, State.UNDER_REVIEW}), State.REJECTED),
    Action.DELIVER: (frozenset({State.APPROVED, State.REJECTED}), State.DELIVERED),
    Action.WITHDRAW: (
        frozenset({State.DRAFT, State.SUBMITTED, State.CORRECTION, State.ACCEPTED, State.UNDER_REVIEW}),
        State.WITHDRAWN,
    ),
}

# Waiting for the department (the deadline clock runs); the applicant's turn pauses it.
OPEN_STATES = frozenset({State.SUBMITTED, State.ACCEPTED, State.UNDER_REVIEW})
DECIDED_STATES = frozenset({State.APPROVED, State.REJECTED, State.DELIVERED})
EDITABLE_STATES = frozenset({State.DRAFT, State.CORRECTION})


class Application(models.Model):
    """One application for one service item, under the item version current when it was started."""

    number = models.CharField(_("application number"), max_length=24, unique=True)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="applications")
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications", verbose_name=_("applicant")
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="applications", verbose_name=_("company")
    )
    # Where the applicant lives or the company is registered: the basis of routing and clerk scope.
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("division"))
    state = models.CharField(_("state"), max_length=14, choices=State.choices, default=State.DRAFT)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    form_data = models.JSONField(_("form"), default=dict, blank=True)
    # 收件地: the service hall where it was submitted or accepted; 办理地: the department that decides.
    intake_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intake_applications",
        verbose_name=pgettext_lazy("application intake", "received at"),
    )
    handling_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_applications",
        verbose_name=_("handled by"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_applications",
        verbose_name=_("assigned to"),
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Deadline: counted from the first submission; frozen while the application waits for corrections.
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    limit_days = models.PositiveIntegerField(null=True, blank=True)
    limit_unit = models.CharField(max_length=10, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    days_left_when_paused = models.IntegerField(null=True, blank=True)
    paused_working_days = models.PositiveIntegerField(default=0)
    corrections = models.JSONField(_("corrections asked for"), default=list, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    result = models.TextField(_("result"), blank=True)
    on_time = models.BooleanField(_("decided on time"), null=True, blank=True)
    handling_working_days = models.IntegerField(_("working days taken"), null=True, blank=True)
    warned_on = models.DateField(null=True, blank=True)
    escalated_on = models.DateField(null=True, blank=True)
    # Results of pluggable checks at submission (e.g. instant approval, a later issue), kept for the record.
    extensions = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["handling_department", "state", "deadline"], name="app_queue_idx"),
            models.Index(fields=["intake_department", "state"], name="app_intake_idx"),
            models.Index(fields=["applicant", "-created_at"], name="app_applicant_idx"),
            models.Index(fields=["state", "deadline"], name="app_state_deadline_idx"),
            # Open work in deadline order: page 1 of a large queue without sorting it.
            models.Index(
                fields=["deadline", "id"],
                condition=models.Q(state__in=["submitted", "accepted", "under_review"]),
                name="app_open_deadline_idx",
            ),
        ]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class Event(models.Model):
    """One step on an application's timeline (also written to the audit log)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    from_state = models.CharField(max_length=14, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=14, choices=State.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"


class ScanStatus(models.TextChoices):
    CLEAN = "clean", _("Clean")
    SKIPPED = "skipped", _("Not scanned")


def upload_path(instance: Attachment, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"applications/{instance.application.number}/{uuid.uuid4().hex}.{suffix}"


class Attachment(models.Model):
    """An uploaded material. Stored through Django's storage API; only files that passed the checks
    and the virus scan are kept."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=upload_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    scan_status = models.CharField(max_length=10, choices=ScanStatus.choices)
    scanner = models.CharField(max_length=60, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    superseded = models.BooleanField(default=False)  # replaced by a later upload for the same material

    class Meta:
        ordering = ["material__order", "-uploaded_at"]
        verbose_name = _("uploaded material")
        verbose_name_plural = _("uploaded materials")

    def __str__(self) -> str:
        return self.original_name
