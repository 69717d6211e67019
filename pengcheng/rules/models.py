"""Rules as code (秒批) and policy matching (政策精准推送).

An item version's approval rule set (``RuleSet``) is an ordered list of Google CEL expressions, each
with an outcome; the first rule that holds decides (DMN "first" hit policy), and a rule set is
published only when its own test cases pass. Every decision at submission is kept (``Decision``) with
its machine-readable explanation. Policies carry eligibility rules in the same language; the matching
job records each match (``PolicyMatch``) and pushes it to the inbox.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pengcheng.catalog.models import ItemVersion, ServiceItem
from pengcheng.core.models import Company, Department


class Outcome(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    REFER = "refer", _("Refer to a clerk")


class RuleSetState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", pgettext_lazy("rules", "Retired")


class RuleSet(models.Model):
    """审批规则集: the approval rules of one item version, in numbered versions (draft → published → retired).

    The published set whose effective window contains the submission time applies."""

    item_version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="rule_sets")
    number = models.PositiveIntegerField(_("rule set version"))
    state = models.CharField(_("state"), max_length=10, choices=RuleSetState.choices, default=RuleSetState.DRAFT)
    note = models.CharField(_("note"), max_length=300, blank=True)
    effective_from = models.DateTimeField(_("effective from"), null=True, blank=True)
    effective_until = models.DateTimeField(_("effective until"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.CharField(max_length=150, blank=True)
    retired_at = models.DateTimeField(pgettext_lazy("rules", "retired at"), null=True, blank=True)

    class Meta:
        ordering = ["item_version", "-number"]
        constraints = [models.UniqueConstraint(fields=["item_version", "number"], name="rule_set_number_unique")]
        indexes = [models.Index(fields=["item_version", "state"])]
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")

    def __str__(self) -> str:
        return f"{self.item_version} · rules v{self.number}"


class Rule(models.Model):
    """一条规则: a CEL expression over ``form``, ``registry``, ``licences`` and ``today``; if it holds, its
    outcome decides."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    order = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(_("key"), max_length=60)
    expression = models.TextField(_("CEL expression"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    reason = models.CharField(_("reason (Chinese)"), max_length=300)
    reason_en = models.CharField(_("reason (English)"), max_length=300, blank=True)

    class Meta:
        ordering = ["rule_set", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "key"], name="rule_key_unique")]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")

    def __str__(self) -> str:
        return self.key


class TestCase(models.Model):
    """测试用例: an input (``form``, ``registry``, ``licences``, ``today``) and the outcome it must give."""

    __test__ = False  # not a pytest class

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="test_cases")
    name = models.CharField(_("name"), max_length=200)
    input = models.JSONField(_("input"), default=dict)
    expected = models.CharField(_("expected outcome"), max_length=8, choices=Outcome.choices)

    class Meta:
        ordering = ["rule_set", "pk"]
        verbose_name = _("test case")
        verbose_name_plural = _("test cases")

    def __str__(self) -> str:
        return self.name


class Decision(models.Model):
    """秒批结果: what the rules decided for one submission, and why (kept even when a clerk decides later)."""

    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE, related_name="rule_decisions")
    rule_set = models.ForeignKey(RuleSet, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    rule = models.CharField(_("deciding rule"), max_length=60, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    reason_en = models.CharField(_("reason (English)"), max_length=500, blank=True)
    explanation = models.JSONField(_("explanation"), default=dict)
    duration_ms = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("rule decision")
        verbose_name_plural = _("rule decisions")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.outcome}"

    @property
    def automatic(self) -> bool:
        return self.outcome in (Outcome.APPROVE, Outcome.REJECT)


class PolicyKind(models.TextChoices):
    SUBSIDY = "subsidy", _("Subsidy")
    TAX_RELIEF = "tax_relief", _("Tax relief")
    TALENT = "talent", _("Talent scheme")
    WELFARE = "welfare", _("Welfare benefit")


class Subject(models.TextChoices):
    PERSON = "person", _("Citizens")
    COMPANY = "company", _("Companies")


class Policy(models.Model):
    """惠企惠民政策: who is eligible (a CEL rule over registry facts and declared data), and the item to
    apply through, if any."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=PolicyKind.choices)
    subject = models.CharField(_("for"), max_length=8, choices=Subject.choices)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department"))
    summary = models.TextField(_("summary"))
    expression = models.TextField(_("eligibility (CEL)"))
    item = models.ForeignKey(
        ServiceItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("apply through")
    )
    is_active = models.BooleanField(_("active"), default=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def __str__(self) -> str:
        return self.name


class DeclaredProfile(models.Model):
    """自主申报信息: what a citizen or company declares about themselves for policy matching. It is used
    only while consent is given (``consented_at`` set, not withdrawn)."""

    subject = models.CharField(max_length=8, choices=Subject.choices)
    identifier = models.CharField(max_length=18)  # identity number or credit code
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(_("declared data"), default=dict)
    consented_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("consent withdrawn"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject", "identifier"], name="declared_profile_unique")]
        verbose_name = _("declared profile")
        verbose_name_plural = _("declared profiles")

    def __str__(self) -> str:
        return f"{self.subject}:{self.identifier}"

    @property
    def consent_active(self) -> bool:
        return self.consented_at is not None and self.withdrawn_at is None


class PolicyMatch(models.Model):
    """One policy found to fit one citizen or company: when matched, notified, and applied for."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="matches")
    subject = models.CharField(max_length=8, choices=Subject.choices)
    identifier = models.CharField(max_length=18)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="policy_matches"
    )
    matched_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "identifier"], name="policy_match_unique")]
        # By identifier: each submission marks the applicant's matches for that item as applied.
        indexes = [models.Index(fields=["recipient", "policy"]), models.Index(fields=["identifier"])]
        verbose_name = _("policy match")
        verbose_name_plural = _("policy matches")

    def __str__(self) -> str:
        return f"{self.policy_id} → {self.identifier}"
