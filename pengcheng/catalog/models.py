"""The service catalogue (政务服务事项目录), with the fields of GB/T 39554-style catalogues.

An item (``ServiceItem``) is the stable identity: its code, competent department and status. What
the item says — name, limits, fees, materials, form — lives in numbered, immutable versions
(``ItemVersion``); publishing a change makes a new version, and an application keeps the version it
was made under.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pengcheng.core.models import Department, Division


class ItemType(models.TextChoices):
    """事项类型, as in the national catalogue."""

    LICENSING = "licensing", _("Administrative licensing (行政许可)")
    PAYMENT = "payment", _("Administrative payment (行政给付)")
    CONFIRMATION = "confirmation", _("Administrative confirmation (行政确认)")
    REWARD = "reward", _("Administrative reward (行政奖励)")
    ADJUDICATION = "adjudication", _("Administrative adjudication (行政裁决)")
    LEVY = "levy", _("Administrative levy (行政征收)")
    OTHER_POWER = "other_power", _("Other administrative power (其他行政权力)")
    PUBLIC_SERVICE = "public_service", _("Public service (公共服务)")


# The Chinese names used by catalogue files, mapped to the choices above.
ITEM_TYPE_NAMES = {
    "行政许可": ItemType.LICENSING,
    "行政给付": ItemType.PAYMENT,
    "行政确认": ItemType.CONFIRMATION,
    "行政奖励": ItemType.REWARD,
    "行政裁决": ItemType.ADJUDICATION,
    "行政征收": ItemType.LEVY,
    "其他行政权力": ItemType.OTHER_POWER,
    "公共服务": ItemType.PUBLIC_SERVICE,
}


class ItemLevel(models.TextChoices):
    """行使层级: who carries the item out. District- and street-level items are handled by the
    applicant's own district's (or street's) department of the same kind."""

    PROVINCE = "province", _("Provincial")
    CITY = "city", pgettext_lazy("administrative level", "City")
    DISTRICT = "district", pgettext_lazy("administrative level", "District")
    STREET = "street", pgettext_lazy("administrative level", "Street")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline")


class LimitUnit(models.TextChoices):
    WORKING_DAYS = "working", _("working days")
    CALENDAR_DAYS = "calendar", _("calendar days")
    NONE = "none", _("no limit")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    KIOSK = "kiosk", _("Self-service kiosk")
    COUNTER = "counter", _("Service hall counter")
    APP = "app", _("Mobile app")


class Audience(models.TextChoices):
    """服务对象."""

    PERSON = "person", _("Natural persons")
    ENTERPRISE = "enterprise", _("Enterprises")
    INSTITUTION = "institution", _("Public institutions")
    SOCIAL = "social", _("Social organisations")
    UNINCORPORATED = "unincorporated", _("Unincorporated enterprises")
    GOVERNMENT = "government", _("Government bodies")
    OTHER = "other", _("Other organisations")


AUDIENCE_NAMES = {
    "自然人": Audience.PERSON,
    "企业法人": Audience.ENTERPRISE,
    "事业法人": Audience.INSTITUTION,
    "社会组织法人": Audience.SOCIAL,
    "非法人企业": Audience.UNINCORPORATED,
    "行政机关": Audience.GOVERNMENT,
    "其他组织": Audience.OTHER,
}
ORGANISATION_AUDIENCES = frozenset(AUDIENCE_NAMES.values()) - {Audience.PERSON}


class TongbanScope(models.TextChoices):
    """通办范围: where else than its home hall an item may be applied for and accepted."""

    CITY = "city", _("Citywide (全市域通办)")
    BAY_AREA = "bay_area", _("Greater Bay Area (湾区通办)")
    INTER_PROVINCE = "inter_province", _("Inter-provincial (跨省通办)")


class ServiceItem(models.Model):
    """A service item (事项): its identity and where it stands. Content is in ``versions``."""

    code = models.CharField(_("item code"), max_length=40, unique=True)  # 实施编码
    catalog_code = models.CharField(_("catalogue code"), max_length=40, blank=True, db_index=True)  # 基本目录编码
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="service_items", verbose_name=_("competent department")
    )
    level = models.CharField(_("level"), max_length=10, choices=ItemLevel.choices)
    # The division the item belongs to (the department's seat); district filters match on its prefix.
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("division"))
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.ONLINE)
    featured = models.BooleanField(_("featured"), default=False)  # shown first on the catalogue and kiosk home
    current_version = models.ForeignKey(
        "ItemVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("version")
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["status", "department"])]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self) -> str:
        return self.current_version.name if self.current_version else self.code

    @property
    def name(self) -> str:
        return str(self)

    @property
    def current(self) -> ItemVersion:
        """The current version (every published item has one)."""
        if self.current_version is None:
            raise LookupError(f"service item {self.code} has no published version")
        return self.current_version


class ItemVersion(models.Model):
    """One published state of an item. Never edited once an application refers to it."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    item_type = models.CharField(_("item type"), max_length=16, choices=ItemType.choices)
    legal_limit = models.PositiveIntegerField(_("legal time limit"), null=True, blank=True)
    legal_limit_unit = models.CharField(max_length=10, choices=LimitUnit.choices, default=LimitUnit.NONE)
    promised_limit = models.PositiveIntegerField(_("promised time limit"), null=True, blank=True)
    promised_limit_unit = models.CharField(max_length=10, choices=LimitUnit.choices, default=LimitUnit.NONE)
    fee = models.DecimalField(_("fee (yuan)"), max_digits=10, decimal_places=2, default=0)
    fee_description = models.CharField(_("fee details"), max_length=300, blank=True)
    guide = models.TextField(_("guide"), blank=True)  # 办事指南: what the item is and how to apply
    acceptance_criteria = models.TextField(_("acceptance criteria"), blank=True)  # 受理条件
    legal_basis = models.TextField(_("legal basis"), blank=True)
    channels = models.JSONField(_("channels"), default=list)
    max_visits = models.PositiveSmallIntegerField(_("maximum visits"), default=0)
    audiences = models.JSONField(_("audiences"), default=list)
    themes = models.JSONField(_("themes"), default=list)
    tongban = models.JSONField(_("通办 scope"), default=list)
    co_departments = models.CharField(_("co-handling departments"), max_length=300, blank=True)
    handle_location = models.CharField(_("where to apply in person"), max_length=300, blank=True)
    consult_phone = models.CharField(_("enquiries"), max_length=60, blank=True)
    complain_phone = models.CharField(_("complaints"), max_length=60, blank=True)
    online_url = models.URLField(_("online address"), max_length=500, blank=True)
    # The application form: JSON Schema (draft 2020-12) plus UI hints; see ``catalog.forms``.
    form_schema = models.JSONField(_("form schema"), default=dict)
    form_ui = models.JSONField(_("form UI hints"), default=dict)
    # Room for later features (e.g. instant declaration and approval settings) without a migration.
    extensions = models.JSONField(default=dict, blank=True)
    # Weighted search terms, computed when the version is published (``catalog.search``).
    search_terms = models.JSONField(default=dict, blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.CharField(max_length=150, blank=True)
    note = models.CharField(_("change note"), max_length=300, blank=True)

    class Meta:
        ordering = ["item", "-number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="item_version_unique")]
        verbose_name = _("item version")
        verbose_name_plural = _("item versions")

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    @property
    def deadline_limit(self) -> tuple[int | None, str]:
        """The limit deadlines are counted against: the promised one, else the legal one."""
        if self.promised_limit and self.promised_limit_unit != LimitUnit.NONE:
            return self.promised_limit, self.promised_limit_unit
        if self.legal_limit and self.legal_limit_unit != LimitUnit.NONE:
            return self.legal_limit, self.legal_limit_unit
        return None, LimitUnit.NONE

    @property
    def is_citywide(self) -> bool:
        return TongbanScope.CITY in self.tongban


class MaterialKind(models.TextChoices):
    UPLOAD = "upload", _("Uploaded file")
    FORM = "form", _("Filled in on the application form")
    LICENCE = "licence", _("Electronic licence")


class Material(models.Model):
    """申请材料. ``LICENCE`` materials are satisfied by an electronic licence of ``licence_type``
    (the licences module resolves them; until one is found the applicant may upload a copy)."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="materials")
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=MaterialKind.choices, default=MaterialKind.UPLOAD)
    required = models.BooleanField(_("required"), default=True)
    licence_type = models.CharField(_("licence type code"), max_length=40, blank=True)
    accepted_types = models.JSONField(_("accepted file types"), default=list, blank=True)
    max_bytes = models.PositiveIntegerField(_("maximum size (bytes)"), null=True, blank=True)
    description = models.CharField(_("notes"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="material_key_unique")]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.name

    @property
    def accepts_upload(self) -> bool:
        return self.kind in (MaterialKind.UPLOAD, MaterialKind.LICENCE)
