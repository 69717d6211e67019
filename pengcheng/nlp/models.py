"""工单智能分类: model versions, dispatcher corrections (training data) and the auto-dispatch setting."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pengcheng.core.models import Department
from pengcheng.hotline.models import Category, Ticket


class VersionStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    ACTIVE = "active", _("In use")
    RETIRED = "retired", _("Retired")
    REJECTED = "rejected", pgettext_lazy("model version", "Rejected")


class ModelVersion(models.Model):
    """分类模型版本: one trained model file, its metrics on the held-back slice and its status.

    At most one version is active; the active one serves suggestions and automatic dispatch."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.CANDIDATE
    )
    file_name = models.CharField(_("model file"), max_length=200)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField(default=0)
    training_size = models.PositiveIntegerField(_("training tickets"), default=0)
    holdout_size = models.PositiveIntegerField(_("held-back tickets"), default=0)
    corrections = models.PositiveIntegerField(_("corrections used"), default=0)
    # {"department": {"macro_f1": .., "accuracy": .., "n": ..}, ...} on the held-back slice
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    # the active version's metrics on the same slice when this one was evaluated
    baseline = models.JSONField(default=dict, blank=True)
    seconds = models.FloatField(_("training seconds"), default=0)
    trained_at = models.DateTimeField(_("trained at"), default=timezone.now)
    trained_by = models.CharField(_("trained by"), max_length=150, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    load_error = models.CharField(_("load error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("classifier version")
        verbose_name_plural = _("classifier versions")
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="nlp_one_active_version"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.status})"

    def score(self, head: str) -> float | None:
        value = (self.metrics or {}).get(head, {}).get("macro_f1")
        return float(value) if value is not None else None


class CorrectionKind(models.TextChoices):
    REDISPATCH = "redispatch", _("Dispatched elsewhere than suggested")
    TRANSFER = "transfer", _("Re-routed (转派)")
    REFUSAL = "refusal", _("Returned by the department (退单)")
    RECLASSIFY = "reclassify", _("Category or type corrected")


class Correction(models.Model):
    """调度员纠错: a dispatcher's correction, kept as a training example.

    ``department``/``category``/``request_type`` hold the corrected answer (empty where the correction
    says only what was wrong, as a 退单 does); the ``previous_*`` fields hold what was wrong."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=CorrectionKind.choices)
    text = models.TextField(_("text"))
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("department")
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("category")
    )
    request_type = models.CharField(_("type"), max_length=20, blank=True)
    previous_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous_category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    previous_type = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("dispatcher correction")
        verbose_name_plural = _("dispatcher corrections")
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.ticket_id}"


class ClassifierSettings(models.Model):
    """自动派单阈值: one row. Above ``threshold`` a new ticket is dispatched to the model's department
    at intake; below it, it waits for a dispatcher."""

    auto_dispatch = models.BooleanField(_("dispatch automatically above the threshold"), default=False)
    threshold = models.FloatField(_("confidence threshold"), default=0.9)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("classifier settings")
        verbose_name_plural = _("classifier settings")

    def __str__(self) -> str:
        return f"auto={self.auto_dispatch} ≥ {self.threshold:.2f}"
