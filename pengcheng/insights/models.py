"""热线分析: hot topics (热点), analysis reports (分析报告) and reply-quality checks (答复质量).

All three are derived from the hotline's tickets; nothing here changes a ticket except a supervisor's
review of a weak reply, which goes through the hotline's own services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pengcheng.hotline.models import Ticket


class HotTopic(models.Model):
    """热点: one cluster of similar tickets in one place and time window, ranked by its hotness index."""

    day = models.DateField(_("day"))
    window_days = models.PositiveSmallIntegerField(_("window (days)"), default=1)
    rank = models.PositiveSmallIntegerField(_("rank"))
    label = models.CharField(_("topic"), max_length=200)
    terms = models.JSONField(_("key terms"), default=list)
    district_code = models.CharField(_("district"), max_length=6, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    count = models.PositiveIntegerField(pgettext_lazy("ticket count", "tickets"))
    previous = models.PositiveIntegerField(_("tickets in the previous window"))
    growth = models.FloatField(_("growth"))
    callers = models.PositiveIntegerField(_("distinct callers"))
    votes = models.PositiveIntegerField(_("votes"), default=0)
    hotness = models.FloatField(_("hotness"))
    spiking = models.BooleanField(_("spiking"), default=False)
    alerted = models.BooleanField(_("supervisors alerted"), default=False)
    # [{"id", "number", "title"}] closest to the cluster's centre first
    representatives = models.JSONField(_("representative tickets"), default=list)
    ticket_ids = models.JSONField(default=list)
    first_at = models.DateTimeField(null=True, blank=True)
    last_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "rank"]
        constraints = [models.UniqueConstraint(fields=["day", "window_days", "rank"], name="insights_topic_rank")]
        indexes = [models.Index(fields=["day", "hotness"], name="insights_topic_day")]
        verbose_name = _("hot topic")
        verbose_name_plural = _("hot topics")

    def __str__(self) -> str:
        return f"{self.day} #{self.rank} {self.label}"


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", pgettext_lazy("report", "Weekly")
    MONTHLY = "monthly", pgettext_lazy("report", "Monthly")
    CUSTOM = "custom", _("Date range")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Being generated")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Report(models.Model):
    """分析报告: figures, charts and hot topics for a date range, stored as HTML and PDF files."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    html_path = models.CharField(max_length=300, blank=True)  # relative to the data directory
    pdf_path = models.CharField(max_length=300, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # the language of the report's text (headings, sentences, dates); names of places, categories and
    # departments stay as they are
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # the same report (kind and period) generated in another language; the list shows the original
    translation_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="translations"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("analysis report")
        verbose_name_plural = _("analysis reports")

    def __str__(self) -> str:
        return self.title


class ReviewOutcome(models.TextChoices):
    PENDING = "", _("Not reviewed")
    ACCEPTED = "accepted", _("Reply is acceptable")
    RETURNED = "returned", _("Sent back to the department")


class ReplyAssessment(models.Model):
    """答复质量: how well a department's reply answers the ticket (relevance, completeness, timeliness)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="reply_assessment")
    reply_hash = models.CharField(max_length=64)  # the reply text scored, to re-score a changed reply
    relevance = models.FloatField(_("relevance"))
    completeness = models.FloatField(_("completeness"))
    timeliness = models.FloatField(_("timeliness"))
    score = models.FloatField(_("score"))
    flagged = models.BooleanField(_("flagged for review"), default=False)
    reasons = models.JSONField(_("reasons"), default=list)
    details = models.JSONField(default=dict)
    assessed_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(_("review"), max_length=10, choices=ReviewOutcome.choices, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)

    class Meta:
        ordering = ["score", "id"]
        indexes = [models.Index(fields=["flagged", "outcome"], name="insights_reply_queue")]
        verbose_name = _("reply assessment")
        verbose_name_plural = _("reply assessments")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.score:.0f}"
