"""The open-data catalogue (开放数据): datasets with resources, published by departments.

Organisations are the source departments (``core.Department``). A resource's data arrives as
uploaded files; each upload is a ``ResourceVersion`` that is scanned for personal data, reviewed,
and loaded into a datastore table of its own. The resource serves its ``current_version`` until a
newer one has loaded completely, so a failed load never takes data offline.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pengcheng.core.models import ApiKey, Department, Division

# CKAN licence ids with their titles (translated) and URLs (the ids CKAN ships with, current versions).
LICENCES: dict[str, tuple[Any, str]] = {
    "cc-by": (_("Creative Commons Attribution 4.0"), "https://creativecommons.org/licenses/by/4.0/"),
    "cc-by-sa": (
        _("Creative Commons Attribution Share-Alike 4.0"),
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "cc-zero": (_("Creative Commons CCZero"), "https://creativecommons.org/publicdomain/zero/1.0/"),
    "odc-by": (_("Open Data Commons Attribution License"), "https://opendatacommons.org/licenses/by/1-0/"),
    "odc-odbl": (
        _("Open Data Commons Open Database License (ODbL)"),
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
    "odc-pddl": (
        _("Open Data Commons Public Domain Dedication and License (PDDL)"),
        "https://opendatacommons.org/licenses/pddl/1-0/",
    ),
    "other-open": (_("Other (Open)"), ""),
    "notspecified": (_("License not specified"), ""),
}
OPEN_LICENCES = frozenset({"cc-by", "cc-by-sa", "cc-zero", "odc-by", "odc-odbl", "odc-pddl", "other-open"})


class Frequency(models.TextChoices):
    """Update frequency, with the EU frequency vocabulary's codes (used in DCAT-AP)."""

    CONTINUOUS = "UPDATE_CONT", _("Continuously updated")
    DAILY = "DAILY", _("Daily")
    WEEKLY = "WEEKLY", _("Weekly")
    MONTHLY = "MONTHLY", _("Monthly")
    QUARTERLY = "QUARTERLY", _("Quarterly")
    ANNUAL = "ANNUAL", _("Annual")
    IRREGULAR = "IRREG", _("Irregular")
    NEVER = "NEVER", _("Never (historical)")


class DatasetState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Published")
    DELETED = "deleted", _("Deleted")


class Theme(models.Model):
    """A theme (CKAN group), mapped to an EU data theme for DCAT-AP."""

    name = models.SlugField(_("name"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=100)
    title_en = models.CharField(_("English title"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    eu_theme = models.CharField(_("EU data theme"), max_length=8, blank=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.title


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(_("URL name"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    notes = models.TextField(_("description"), blank=True)
    organization = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="datasets", verbose_name=_("publisher")
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="datasets", verbose_name=_("themes"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="datasets", verbose_name=_("tags"))
    license_id = models.CharField(pgettext_lazy("open data licence", "licence"), max_length=20, default="cc-by")
    frequency = models.CharField(_("update frequency"), max_length=12, choices=Frequency.choices, blank=True)
    temporal_start = models.DateField(_("coverage from"), null=True, blank=True)
    temporal_end = models.DateField(_("coverage to"), null=True, blank=True)
    spatial = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("area covered")
    )
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    version = models.CharField(_("version"), max_length=40, blank=True)
    private = models.BooleanField(_("private"), default=False)
    state = models.CharField(_("state"), max_length=8, choices=DatasetState.choices, default=DatasetState.DRAFT)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    modified_at = models.DateTimeField(_("modified"), default=timezone.now, db_index=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Lower-cased title, description, tags and publisher, for keyword search without a search engine.
    search_text = models.TextField(blank=True, editable=False)
    # Formats (upper-cased), tag names and theme names as "|A|B|", so that filters are one substring
    # test and every facet is counted from one scan of the matching rows.
    formats = models.CharField(max_length=200, blank=True, editable=False)
    tag_names = models.TextField(blank=True, editable=False)
    group_names = models.CharField(max_length=1000, blank=True, editable=False)

    class Meta:
        ordering = ["-modified_at"]
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        indexes = [
            models.Index(fields=["state", "private", "modified_at"]),
            models.Index(fields=["organization", "state"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def license_title(self) -> str:
        return str(LICENCES.get(self.license_id, (self.license_id, ""))[0])

    @property
    def license_url(self) -> str:
        return LICENCES.get(self.license_id, ("", ""))[1]

    @property
    def is_public(self) -> bool:
        return self.state == DatasetState.ACTIVE and not self.private


class Resource(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    format = models.CharField(_("format"), max_length=20)
    url = models.URLField(_("external URL"), max_length=500, blank=True)
    position = models.PositiveIntegerField(default=0)
    current_version = models.ForeignKey(
        "ResourceVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    modified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["dataset", "position", "created_at"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.name

    @property
    def datastore_active(self) -> bool:
        version = self.current_version
        return bool(version and version.table_name)


class VersionStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("open data", "Received")
    SCANNING = "scanning", _("Reading and scanning")
    REVIEW = "review", _("Waiting for personal-data review")
    LOADING = "loading", _("Loading")
    LOADED = "loaded", _("Published")
    FAILED = "failed", _("Failed")
    SUPERSEDED = "superseded", _("Superseded")


class ResourceVersion(models.Model):
    """One upload of a resource's data, and the datastore table it was loaded into."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to="opendata/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    format = models.CharField(_("format"), max_length=20)
    size = models.BigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.RECEIVED)
    error = models.TextField(_("error"), blank=True)
    rows_total = models.BigIntegerField(_("rows"), default=0)
    rows_loaded = models.BigIntegerField(_("rows loaded"), default=0)
    # [{"id": "列名", "type": "text|int|numeric|date|timestamp|bool", "source": "original header"}]
    columns = models.JSONField(_("columns"), default=list, blank=True)
    # [{"column", "kinds": [...], "matches", "sampled", "examples": [masked]}]
    findings = models.JSONField(_("personal-data findings"), default=list, blank=True)
    # {column: {"action": "mask|drop|justify", "justification": "...", "by": username, "at": iso}}
    decisions = models.JSONField(_("review decisions"), default=dict, blank=True)
    table_name = models.CharField(max_length=63, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    loaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["resource", "-number"]
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="opendata_version_unique")]
        verbose_name = _("resource version")
        verbose_name_plural = _("resource versions")

    def __str__(self) -> str:
        return f"{self.resource} v{self.number}"

    @property
    def progress_percent(self) -> int:
        if self.status == VersionStatus.LOADED:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_loaded * 100 / self.rows_total))

    @property
    def unresolved_columns(self) -> list[str]:
        return [finding["column"] for finding in self.findings if finding["column"] not in self.decisions]


class CatalogueVersion(models.Model):
    """One row counting changes to the catalogue; every change bumps it in its own transaction, so a
    process can tell whether search results it cached are still current with one primary-key read."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("catalogue version")
        verbose_name_plural = _("catalogue version")

    def __str__(self) -> str:
        return str(self.value)


class KeyQuota(models.Model):
    """A daily call quota for one API key (keys without a row get the default)."""

    api_key = models.OneToOneField(ApiKey, on_delete=models.CASCADE, related_name="opendata_quota")
    daily_limit = models.PositiveIntegerField(_("calls per day"))

    class Meta:
        verbose_name = _("API key quota")
        verbose_name_plural = _("API key quotas")

    def __str__(self) -> str:
        return f"{self.api_key}: {self.daily_limit}/day"


class UsageCount(models.Model):
    """Calls per day, key, dataset and action. Written in batches by ``usage.flush``; key 0 is
    anonymous and an empty dataset means a call not about one dataset (e.g. package_search)."""

    day = models.DateField()
    api_key_id = models.BigIntegerField(default=0)
    dataset_id = models.CharField(max_length=36, blank=True, default="")
    action = models.CharField(max_length=40)
    calls = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "api_key_id", "dataset_id", "action"], name="opendata_usage_unique")
        ]
        indexes = [models.Index(fields=["dataset_id", "day"]), models.Index(fields=["api_key_id", "day"])]
        verbose_name = _("API usage count")
        verbose_name_plural = _("API usage counts")

    def __str__(self) -> str:
        return f"{self.day} {self.action} {self.calls}"
