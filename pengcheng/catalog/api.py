"""Catalogue JSON API: search and item details. Public: no authentication needed."""

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from pengcheng.api import actor_of
from pengcheng.catalog import selectors
from pengcheng.catalog.models import ServiceItem

router = Router(tags=["catalog"])


class SearchParams(Schema):
    q: str = Field("", max_length=100)
    department: str = Field("", max_length=40, description="department code, e.g. 440300-SCJGJ")
    theme: str = Field("", max_length=60)
    audience: str = Field("", max_length=20, description="person, enterprise, institution, social, …")
    district: str = Field("", max_length=12, description="district code: its own items and city-wide ones")
    page: int = Field(1, ge=1, le=10000)
    per_page: int = Field(20, ge=1, le=100)


class ItemSummary(Schema):
    code: str
    name: str
    item_type: str
    department: str
    department_name: str
    level: str
    themes: list[str]
    audiences: list[str]
    tongban: list[str]
    version: int


class SearchOut(Schema):
    total: int
    page: int
    per_page: int
    items: list[ItemSummary]


class MaterialOut(Schema):
    key: str
    name: str
    kind: str
    required: bool
    licence_type: str
    accepted_types: list[str]
    description: str


class LimitOut(Schema):
    days: int | None
    unit: str


class ItemDetail(ItemSummary):
    status: str
    name_en: str
    legal_limit: LimitOut
    promised_limit: LimitOut
    fee: Decimal
    fee_description: str
    guide: str
    acceptance_criteria: str
    legal_basis: str
    channels: list[str]
    max_visits: int
    handle_location: str
    consult_phone: str
    complain_phone: str
    materials: list[MaterialOut]
    form_schema: dict[str, Any]
    form_ui: dict[str, Any]


def summary(item: ServiceItem) -> dict[str, Any]:
    version = item.current_version
    assert version is not None
    return {
        "code": item.code,
        "name": version.name,
        "item_type": version.item_type,
        "department": item.department.code,
        "department_name": item.department.name,
        "level": item.level,
        "themes": version.themes,
        "audiences": version.audiences,
        "tongban": version.tongban,
        "version": version.number,
    }


@router.get("/items", response=SearchOut, auth=None, summary="Search the service catalogue")
def search_items(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    result = selectors.search_items(
        params.q,
        department=params.department,
        theme=params.theme,
        audience=params.audience,
        district=params.district,
        page=params.page,
        per_page=params.per_page,
    )
    return {
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "items": [summary(item) for item in result.items],
    }


@router.get("/items/{code}", response=ItemDetail, auth=None, summary="One service item, its guide and form")
def item_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    item = selectors.item_by_code(code, actor_of(request))
    version = item.current_version
    assert version is not None
    return {
        **summary(item),
        "status": item.status,
        "name_en": version.name_en,
        "legal_limit": {"days": version.legal_limit, "unit": version.legal_limit_unit},
        "promised_limit": {"days": version.promised_limit, "unit": version.promised_limit_unit},
        "fee": version.fee,
        "fee_description": version.fee_description,
        "guide": version.guide,
        "acceptance_criteria": version.acceptance_criteria,
        "legal_basis": version.legal_basis,
        "channels": version.channels,
        "max_visits": version.max_visits,
        "handle_location": version.handle_location,
        "consult_phone": version.consult_phone,
        "complain_phone": version.complain_phone,
        "materials": list(version.materials.all()),
        "form_schema": version.form_schema,
        "form_ui": version.form_ui,
    }
