from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pengcheng.audit.models import AuditRecord, AuditVerification


class ReadOnlyAdmin(admin.ModelAdmin):
    """The audit log is append-only: the admin can look, never change."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["chain", "seq", "occurred_at", "actor_label", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "action", "object_id", "summary"]
    date_hierarchy = "occurred_at"


@admin.register(AuditVerification)
class AuditVerificationAdmin(ReadOnlyAdmin):
    list_display = ["ran_at", "records_checked", "ok"]
