"""Demo seed: the demo city's ~200 service items (see ``demo_items``)."""

from __future__ import annotations

from django.db import transaction

from pengcheng.catalog.demo_items import specs_for
from pengcheng.catalog.models import ServiceItem
from pengcheng.catalog.services import publish
from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import Department, Division, DivisionLevel
from pengcheng.seeding import SeedContext


def seed_demo(ctx: SeedContext) -> None:
    departments = {d.code: d for d in Department.objects.filter(code__startswith="4403")}
    districts = list(
        Division.objects.filter(level=DivisionLevel.DISTRICT, code__startswith="4403")
        .order_by("code")
        .values_list("code", flat=True)
    )
    specs = specs_for(departments, districts)
    created = 0
    with transaction.atomic():
        for spec, featured in ctx.progress(specs, len(specs), "service items"):
            if publish(SYSTEM, spec, audit_each=False).outcome != "unchanged":
                created += 1
            if featured:
                ServiceItem.objects.filter(code=spec.code, featured=False).update(featured=True)
    ctx.say(f"service items: {len(specs)} in the demo catalogue ({created} published now)")
