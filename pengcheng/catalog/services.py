"""Changes to the catalogue: publishing items and new versions, taking items on- and offline."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from pypinyin import lazy_pinyin

from pengcheng.audit.services import record as audit
from pengcheng.catalog import forms, search
from pengcheng.catalog.models import (
    Channel,
    ItemLevel,
    ItemStatus,
    ItemType,
    ItemVersion,
    LimitUnit,
    Material,
    MaterialKind,
    ServiceItem,
    TongbanScope,
)
from pengcheng.core.actors import Actor
from pengcheng.core.errors import ValidationFailed
from pengcheng.core.models import Department
from pengcheng.core.permissions import require_platform_role

DEFAULT_FILE_TYPES = ["pdf", "jpg", "jpeg", "png"]


@dataclass
class MaterialSpec:
    name: str
    kind: str = MaterialKind.UPLOAD
    required: bool = True
    key: str = ""
    licence_type: str = ""
    accepted_types: list[str] = field(default_factory=lambda: list(DEFAULT_FILE_TYPES))
    max_bytes: int | None = None
    description: str = ""


@dataclass
class ItemSpec:
    """Everything an item version says. ``code`` identifies the item across versions."""

    code: str
    name: str
    department: Department
    item_type: str
    level: str
    catalog_code: str = ""
    name_en: str = ""
    legal_limit: int | None = None
    legal_limit_unit: str = LimitUnit.NONE
    promised_limit: int | None = None
    promised_limit_unit: str = LimitUnit.NONE
    fee: Decimal = Decimal(0)
    fee_description: str = ""
    guide: str = ""
    acceptance_criteria: str = ""
    legal_basis: str = ""
    channels: list[str] = field(default_factory=lambda: [Channel.ONLINE, Channel.COUNTER])
    max_visits: int = 0
    audiences: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    tongban: list[str] = field(default_factory=list)
    co_departments: str = ""
    handle_location: str = ""
    consult_phone: str = ""
    complain_phone: str = ""
    online_url: str = ""
    form_schema: dict[str, Any] = field(default_factory=dict)
    form_ui: dict[str, Any] = field(default_factory=dict)
    materials: list[MaterialSpec] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)
    note: str = ""


# Fields copied from the spec to a version, compared to decide whether a new version is needed.
VERSION_FIELDS = (
    "name",
    "name_en",
    "item_type",
    "legal_limit",
    "legal_limit_unit",
    "promised_limit",
    "promised_limit_unit",
    "fee",
    "fee_description",
    "guide",
    "acceptance_criteria",
    "legal_basis",
    "channels",
    "max_visits",
    "audiences",
    "themes",
    "tongban",
    "co_departments",
    "handle_location",
    "consult_phone",
    "complain_phone",
    "online_url",
    "form_schema",
    "form_ui",
    "extensions",
)

# The form an item gets when its catalogue entry defines none: who to contact, and what is asked.
DEFAULT_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "contact_name": {"type": "string", "title": "联系人", "minLength": 2, "maxLength": 30},
        "contact_phone": {"type": "string", "title": "联系电话", "format": "cn-mobile"},
        "request": {"type": "string", "title": "申请事项说明", "minLength": 5, "maxLength": 1000},
    },
    "required": ["contact_name", "contact_phone", "request"],
}
DEFAULT_FORM_UI: dict[str, Any] = {
    "groups": [
        {"title": "申请信息", "title_en": "Application", "fields": ["contact_name", "contact_phone", "request"]}
    ],
    "fields": {
        "contact_name": {"title_en": "Contact person", "autocomplete": "name"},
        "contact_phone": {"title_en": "Contact phone", "autocomplete": "tel"},
        "request": {
            "title_en": "What you are applying for",
            "widget": "textarea",
            "help": "请简要说明申请的内容和理由。",
            "help_en": "Briefly say what you apply for and why.",
        },
    },
}


@dataclass(frozen=True)
class Published:
    version: ItemVersion
    outcome: str  # "created", "new_version" or "unchanged"


def _check(spec: ItemSpec) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}

    def bad(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    if not spec.code.strip():
        bad("code", "an item code is required")
    if not spec.name.strip():
        bad("name", "a name is required")
    if spec.item_type not in ItemType.values:
        bad("item_type", f"unknown item type {spec.item_type!r}")
    if spec.level not in ItemLevel.values:
        bad("level", f"unknown level {spec.level!r}")
    for unit_field, limit_field in (("legal_limit_unit", "legal_limit"), ("promised_limit_unit", "promised_limit")):
        unit, limit = getattr(spec, unit_field), getattr(spec, limit_field)
        if unit not in LimitUnit.values:
            bad(unit_field, f"unknown unit {unit!r}")
        elif (unit == LimitUnit.NONE) != (limit is None):
            bad(limit_field, "a limit needs a unit, and 'none' needs no number")
    for channel in spec.channels:
        if channel not in Channel.values:
            bad("channels", f"unknown channel {channel!r}")
    for scope in spec.tongban:
        if scope not in TongbanScope.values:
            bad("tongban", f"unknown 通办 scope {scope!r}")
    keys = [m.key for m in spec.materials]
    if len(set(keys)) != len(keys):
        bad("materials", "material keys must be unique")
    for material in spec.materials:
        if material.kind not in MaterialKind.values:
            bad("materials", f"unknown material kind {material.kind!r}")
        if material.kind == MaterialKind.LICENCE and not material.licence_type:
            bad("materials", f"material {material.name!r} needs a licence type code")
    return problems


def _material_keys(materials: list[MaterialSpec]) -> None:
    """Give unnamed materials a readable key: the licence type, or the name in pinyin."""
    used: set[str] = set()
    for number, material in enumerate(materials, start=1):
        if not material.key:
            base = material.licence_type.lower() if material.licence_type else "-".join(lazy_pinyin(material.name))
            material.key = slugify(base)[:40].strip("-") or f"m{number}"
            if material.key in used:
                material.key = f"{material.key[:36]}-{number}"
        used.add(material.key)


def _material_tuple(m: MaterialSpec | Material) -> tuple[Any, ...]:
    # Compared as stored: a form is filled in online and is saved with no file types, whatever the spec says.
    types = list(m.accepted_types) if m.kind != MaterialKind.FORM else []
    return (m.key, m.name, m.kind, m.required, m.licence_type, types, m.max_bytes, m.description)


def _unchanged(version: ItemVersion, spec: ItemSpec) -> bool:
    if any(getattr(version, name) != getattr(spec, name) for name in VERSION_FIELDS):
        return False
    return [_material_tuple(m) for m in version.materials.all()] == [_material_tuple(m) for m in spec.materials]


@transaction.atomic
def publish(actor: Actor, spec: ItemSpec, *, status: str = ItemStatus.ONLINE, audit_each: bool = True) -> Published:
    """Create the item, or give it a new version when anything changed (else return the current one).

    Operators only. ``audit_each=False`` is for bulk imports that write one audit record themselves."""
    require_platform_role(actor, action="catalog.publish", target=("catalog.serviceitem", spec.code))
    if not spec.form_schema:
        spec.form_schema, spec.form_ui = DEFAULT_FORM_SCHEMA, DEFAULT_FORM_UI
    spec.fee = Decimal(spec.fee)
    _material_keys(spec.materials)
    problems = _check(spec)
    if problems:
        raise ValidationFailed(problems)
    forms.check_schema(spec.form_schema, spec.form_ui)

    item = ServiceItem.objects.select_for_update().filter(code=spec.code).first()
    now = timezone.now()
    if item is None:
        item = ServiceItem.objects.create(
            code=spec.code,
            catalog_code=spec.catalog_code,
            department=spec.department,
            level=spec.level,
            division=spec.department.division,
            status=status,
        )
    else:
        current = item.current_version
        same_home = item.department_id == spec.department.pk and item.level == spec.level
        if current is not None and same_home and _unchanged(current, spec):
            return Published(current, "unchanged")
        item.department = spec.department
        item.level = spec.level
        item.division = spec.department.division
        item.catalog_code = spec.catalog_code or item.catalog_code
    number = (item.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ItemVersion.objects.create(
        item=item,
        number=number,
        published_at=now,
        published_by=str(getattr(actor, "username", actor)),
        note=spec.note,
        search_terms=search.terms_for(
            name=spec.name,
            themes=spec.themes,
            department=spec.department.name,
            materials=[m.name for m in spec.materials],
            guide=f"{spec.guide}\n{spec.acceptance_criteria}",
        ),
        **{name: getattr(spec, name) for name in VERSION_FIELDS},
    )
    Material.objects.bulk_create(
        [
            Material(
                version=version,
                key=m.key,
                name=m.name,
                kind=m.kind,
                required=m.required,
                licence_type=m.licence_type,
                accepted_types=m.accepted_types if m.kind != MaterialKind.FORM else [],
                max_bytes=m.max_bytes,
                description=m.description,
                order=i,
            )
            for i, m in enumerate(spec.materials)
        ]
    )
    item.current_version = version
    item.updated_at = now
    item.save()
    if audit_each:
        audit(
            actor,
            "catalog.publish",
            item,
            summary=f"{spec.code} {spec.name} v{number}",
            data={"version": number, "note": spec.note},
        )
    search.invalidate()
    return Published(version, "created" if number == 1 else "new_version")


@transaction.atomic
def set_status(actor: Actor, item: ServiceItem, status: str) -> ServiceItem:
    """Take an item online or offline (applications in progress keep their version)."""
    require_platform_role(actor, action="catalog.set_status", target=item)
    if status not in ItemStatus.values:
        raise ValidationFailed({"status": [f"unknown status {status!r}"]})
    if item.status != status:
        previous = item.status
        item.status = status
        item.updated_at = timezone.now()
        item.save(update_fields=["status", "updated_at"])
        audit(actor, "catalog.set_status", item, summary=f"{item.code}: {previous} → {status}")
        search.invalidate()
    return item
