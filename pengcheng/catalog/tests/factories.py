"""Test factories for catalogue items (real rows through the real publish service)."""

from __future__ import annotations

import itertools
from typing import Any

from pengcheng.catalog.demo_items import FIELDS, ID_CARD, person_form
from pengcheng.catalog.models import Audience, ItemLevel, ItemType, LimitUnit, MaterialKind, TongbanScope
from pengcheng.catalog.services import ItemSpec, MaterialSpec, publish
from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import Department

_codes = itertools.count(1)
assert "applicant_name" in FIELDS


def item_spec(**overrides: Any) -> ItemSpec:
    schema, ui = person_form(("详情", "Details", ["reason"]))
    fields: dict[str, Any] = {
        "code": f"TEST{next(_codes):06d}",
        "name": "测试事项",
        "department": Department.objects.get(code="440300-MZJ"),
        "item_type": ItemType.PAYMENT,
        "level": ItemLevel.CITY,
        "promised_limit": 5,
        "promised_limit_unit": LimitUnit.WORKING_DAYS,
        "legal_limit": 20,
        "legal_limit_unit": LimitUnit.WORKING_DAYS,
        "audiences": [Audience.PERSON],
        "themes": ["社会救助"],
        "tongban": [TongbanScope.CITY],
        "form_schema": schema,
        "form_ui": ui,
        "materials": [
            MaterialSpec(name="申请书", key="letter"),
            MaterialSpec(**{**vars(ID_CARD), "key": "id_card"}),
            MaterialSpec(name="在线表单", kind=MaterialKind.FORM, key="form"),
        ],
    }
    fields.update(overrides)
    return ItemSpec(**fields)


def make_item(**overrides: Any):
    return publish(SYSTEM, item_spec(**overrides)).version.item
