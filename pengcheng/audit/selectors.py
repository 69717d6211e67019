"""Reading the audit log."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pengcheng.audit.models import AuditRecord, AuditVerification
from pengcheng.core.actors import MaybeActor
from pengcheng.core.permissions import require_platform_role


def search_records(
    actor: MaybeActor,
    *,
    text: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
) -> QuerySet[AuditRecord]:
    """Audit records for the operator console, newest first."""
    require_platform_role(actor, action="audit.search")
    records = AuditRecord.objects.all()
    if text:
        records = records.filter(
            Q(actor_label__icontains=text) | Q(summary__icontains=text) | Q(action__icontains=text)
        )
    if action:
        records = records.filter(action=action)
    if object_type:
        records = records.filter(object_type=object_type)
    if object_id:
        records = records.filter(object_id=object_id)
    return records.order_by("-id")


def history_of(object_type: str, object_id: str) -> QuerySet[AuditRecord]:
    """The records about one object, oldest first (for timelines shown to those allowed to see it)."""
    return AuditRecord.objects.filter(object_type=object_type, object_id=str(object_id)).order_by("seq")


def latest_verification() -> AuditVerification | None:
    return AuditVerification.objects.order_by("-ran_at").first()
