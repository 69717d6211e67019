"""知识库 (the 12345 knowledge base): articles that agents answer enquiries with, their versions,
the direct answers given with them, and the learned search model.

An article moves draft → published → expired. Every edit makes a new numbered version and keeps
the previous ones (``ArticleVersion``); a direct answer records the version that was read out.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pengcheng.core.models import Department
from pengcheng.hotline.models import Category, Ticket


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    EXPIRED = "expired", _("Expired")


class Article(models.Model):
    """知识条目: one official answer. The row holds the current version; ``versions`` keeps them all."""

    key = models.CharField(_("number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("answer"))
    variants = models.JSONField(_("question variants"), default=list, blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owning department"),
    )
    source_department = models.CharField(_("department named by the source"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    review_days = models.PositiveIntegerField(_("review every (days)"), default=365)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    search_terms = models.JSONField(default=dict, blank=True)  # engine.analyse(), stored so rebuilds are cheap
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        indexes = [models.Index(fields=["status", "next_review_on"])]

    def __str__(self) -> str:
        return f"{self.key} {self.display_title}"

    @property
    def display_title(self) -> str:
        """The title, or the first question variant, or the start of the answer."""
        if self.title:
            return self.title
        if self.variants:
            return str(self.variants[0])
        text = " ".join(self.body.split())
        return text[:40] + ("…" if len(text) > 40 else "")


class ArticleVersion(models.Model):
    """版本: a snapshot of an article as saved; the newest equals the article row."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("answer"))
    variants = models.JSONField(_("question variants"), default=list, blank=True)
    category_id_snapshot = models.IntegerField(null=True, blank=True)
    department_id_snapshot = models.IntegerField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    saved_at = models.DateTimeField(_("saved at"), default=timezone.now)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("change note"), max_length=300, blank=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique")]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class DirectAnswer(models.Model):
    """直接答复: an enquiry closed on the spot with a knowledge article."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="kb_answer")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="answers")
    article_version = models.PositiveIntegerField(_("article version"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    query = models.CharField(_("what the agent searched for"), max_length=500, blank=True)

    class Meta:
        ordering = ["-answered_at"]
        verbose_name = _("direct answer")
        verbose_name_plural = _("direct answers")
        indexes = [models.Index(fields=["answered_at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} ← {self.article_id} v{self.article_version}"


class SearchModel(models.Model):
    """The learned part of search (the re-ranker), trained from question → article pairs."""

    created_at = models.DateTimeField(default=timezone.now)
    trained_on = models.PositiveIntegerField(_("question pairs"), default=0)
    source = models.CharField(_("source"), max_length=300, blank=True)
    parameters = models.JSONField(default=dict)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("search model")
        verbose_name_plural = _("search models")

    def __str__(self) -> str:
        return f"search model {self.pk} ({self.trained_on} pairs)"
