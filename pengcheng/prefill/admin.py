from django.contrib import admin
from django.http import HttpRequest

from pengcheng.prefill.models import AgentDataMandate, Consent, DataUse


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "company", "item", "granted_at", "expires_at", "revoked_at"]
    raw_id_fields = ["user", "company", "item"]
    search_fields = ["user__username", "item__code"]


@admin.register(DataUse)
class DataUseAdmin(admin.ModelAdmin):
    list_display = ["at", "registry", "owner", "used_by", "subject_kind", "fetched_by_label", "found"]
    list_filter = ["registry", "found"]
    raw_id_fields = ["consent", "application", "fetched_by"]


@admin.register(AgentDataMandate)
class AgentDataMandateAdmin(admin.ModelAdmin):
    """Read-only here: mandates are granted and withdrawn through ``services`` (audited)."""

    list_display = ["agent", "granted_by", "granted_at"]
    raw_id_fields = ["agent", "granted_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
