"""Insights test fixtures: historical tickets through the hotline's own importer, and staff."""

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import Role, User
from pengcheng.hotline import deadlines, importer, location, routing, selectors
from pengcheng.hotline.models import Ticket
from pengcheng.testing import make_staff

TEDDY = Path(settings.PENGCHENG_SHARED_DATA) / "hotline"
CENTRE = "440300-RX12345"
COLUMNS = ["编号", "主题", "内容", "时间", "类型", "地址", "用户", "答复", "答复时间"]


@pytest.fixture(autouse=True)
def _fresh_hotline_caches() -> Iterator[None]:
    yield
    selectors.forget_categories()
    routing.forget_rules()
    deadlines.forget_rules()
    location.forget_gazetteer()


def import_tickets(rows: list[dict[str, Any]]) -> list[Ticket]:
    """Historical tickets (any date, place and caller) through ``hotline.importer``, as the platform."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    start = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for index, row in enumerate(rows):
        at = row.get("at") or dt.datetime(2026, 3, 10, 9, 0)
        writer.writerow(
            {
                "编号": row.get("number", f"T{start}-{index}"),
                "主题": row.get("title", ""),
                "内容": row["text"],
                "时间": at.strftime("%Y-%m-%d %H:%M:%S"),
                "类型": row.get("type", "投诉"),
                "地址": row.get("address", "福田区园岭街道百花社区"),
                "用户": row.get("user", f"u{index}"),
                "答复": row.get("reply", ""),
                "答复时间": row["replied_at"].strftime("%Y-%m-%d %H:%M:%S") if row.get("replied_at") else "",
            }
        )
    mapping = {
        "external_id": "编号",
        "title": "主题",
        "description": "内容",
        "created_at": "时间",
        "request_type": "类型",
        "address": "地址",
        "account_id": "用户",
        "reply": "答复",
        "replied_at": "答复时间",
    }
    result = importer.run_import(
        SYSTEM, "tickets.csv", io.BytesIO(out.getvalue().encode("utf-8")), importer.ImportOptions(mapping=mapping)
    )
    assert not result.errors, result.errors
    return list(Ticket.objects.filter(id__gt=start).order_by("id"))


@pytest.fixture
def centre_supervisor(demo_city: None) -> User:
    return make_staff(Role.SUPERVISOR, CENTRE)
