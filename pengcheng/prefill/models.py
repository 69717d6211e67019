"""Pre-fill with consent (秒报): the applicant's consents and the log of every registry fetch.

A ``Consent`` (数据授权) lets the platform fetch named registry attributes about the applicant (or the
company they act for) to fill in the form of one service item, for a stated purpose, until it expires
or is revoked. Every fetch under it leaves a ``DataUse`` (用数记录), which the data subject sees on
"who used my data".

For a company's data, only the company's legal representative may agree, or an authorised agent whose
authorisation the company extended to data consent (an ``AgentDataMandate``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pengcheng.catalog.models import ServiceItem
from pengcheng.core.models import Company, CompanyAgent, Department


class ConsentStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("consent", "In force")
    EXPIRED = "expired", pgettext_lazy("consent", "Expired")
    REVOKED = "revoked", pgettext_lazy("consent", "Revoked")


class Consent(models.Model):
    """数据授权: the applicant agrees that named registry data be fetched to fill in one item's form."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="prefill_consents",
        verbose_name=_("granted by"),
    )
    # Set when the data is (also) about the company the user acts for.
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="+", verbose_name=_("service item"))
    registries = models.JSONField(_("registries"), default=list)
    attributes = models.JSONField(_("data items"), default=list)  # "population.name", "legal_entity.name", …
    purpose = models.CharField(_("purpose"), max_length=300)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(pgettext_lazy("consent", "revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-granted_at", "-pk"]
        indexes = [models.Index(fields=["user", "item", "-granted_at"], name="prefill_consent_lookup")]
        verbose_name = _("pre-fill consent")
        verbose_name_plural = _("pre-fill consents")

    def __str__(self) -> str:
        return f"#{self.pk} {self.user_id} → {self.item_id}"

    def status_at(self, moment: object = None) -> str:
        now = timezone.now() if moment is None else moment
        if self.revoked_at is not None:
            return ConsentStatus.REVOKED
        if self.expires_at <= now:  # type: ignore[operator]
            return ConsentStatus.EXPIRED
        return ConsentStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def is_active(self) -> bool:
        return self.status == ConsentStatus.ACTIVE

    def get_status_display(self) -> str:
        return str(ConsentStatus(self.status).label)


class AgentDataMandate(models.Model):
    """数据授权委托: the company's explicit word that one of its authorised agents may also agree, for the
    company, to its registry data being fetched to fill in forms. Without one an agent may still apply
    for the company, but types the company's data in. The legal representative needs none. A mandate
    older than its authorisation (revoked, then granted again) does not count."""

    agent = models.OneToOneField(
        CompanyAgent, on_delete=models.CASCADE, related_name="data_mandate", verbose_name=_("agent authorisation")
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("data consent mandate")
        verbose_name_plural = _("data consent mandates")

    def __str__(self) -> str:
        return f"{self.agent}: data consent"


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class DataUseKind(models.TextChoices):
    PREFILL = "prefill", _("Pre-fill with consent")
    DECISION = "decision", _("Automatic decision")
    SIMULATION = "simulation", _("Rule simulation")


class DataUse(models.Model):
    """用数记录: one fetch of one registry's data about one subject, for a purpose: under a consent (pre-fill,
    秒报), without one when the rules read the registries to decide a submitted application (秒批), or
    when staff replay past applications against a rule set (``simulated``: nothing was decided)."""

    at = models.DateTimeField(_("when"), default=timezone.now)
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="uses", verbose_name=_("consent")
    )
    application = models.ForeignKey(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("application"),
    )
    registry = models.CharField(_("registry"), max_length=40)
    owner = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("registry owner"))
    # The department whose service used the data (the item's competent department).
    used_by = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("used by"))
    fetched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fetched_by_label = models.CharField(_("fetched by"), max_length=150)
    subject_kind = models.CharField(pgettext_lazy("data subject", "subject"), max_length=8, choices=SubjectKind.choices)
    subject_id = models.CharField(_("subject identifier"), max_length=18)  # identity number or credit code
    attributes = models.JSONField(_("data items"), default=list)
    found = models.BooleanField(_("record found"), default=True)
    purpose = models.CharField(_("purpose"), max_length=300)
    # Read to simulate a rule set on past applications (秒批 rule simulation), not to serve the subject.
    simulated = models.BooleanField(_("simulation"), default=False)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["subject_id", "-at"], name="prefill_use_subject")]
        verbose_name = _("data use")
        verbose_name_plural = _("data uses")

    def __str__(self) -> str:
        return f"{self.registry} {self.subject_kind} {self.at:%Y-%m-%d}"

    @property
    def kind(self) -> str:
        """Why the data was read: a simulation, a pre-fill under a consent, or an automatic decision."""
        if self.simulated:
            return DataUseKind.SIMULATION
        return DataUseKind.PREFILL if self.consent_id else DataUseKind.DECISION

    def get_kind_display(self) -> str:
        return str(DataUseKind(self.kind).label)

    @property
    def masked_subject(self) -> str:
        from pengcheng.core.identifiers import mask_credit_code, mask_id_number

        if self.subject_kind == SubjectKind.COMPANY:
            return mask_credit_code(self.subject_id)
        return mask_id_number(self.subject_id)

    @property
    def registry_label(self) -> str:
        from pengcheng.registries.models import REGISTRIES

        registry = REGISTRIES.get(self.registry)
        return str(registry.label) if registry else self.registry
