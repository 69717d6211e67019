"""Reads: the seal registry a staff member may see, and each seal's uses."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from pengcheng.core.actors import MaybeActor
from pengcheng.core.models import Department, Role
from pengcheng.core.permissions import department_filter, require_role
from pengcheng.seals.models import Seal, SealUse


def registry(actor: MaybeActor) -> QuerySet[Seal]:
    """Seals of the actor's departments (all seals for operators)."""
    require_role(actor, Role.CLERK, Role.SUPERVISOR, action="seals.view")
    return (
        Seal.objects.filter(department_filter(actor, "department_id"))
        .select_related("department")
        .annotate(use_count=Count("uses"))
        .order_by("department__code", "-created_at")
    )


def seal_uses(seal: Seal) -> QuerySet[SealUse]:
    return SealUse.objects.filter(seal=seal).select_related("actor")


def sealable_departments(actor: MaybeActor) -> QuerySet[Department]:
    return Department.objects.filter(department_filter(actor, "id", Role.SUPERVISOR)).order_by("code")
