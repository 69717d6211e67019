from django.contrib import admin

from pengcheng.prefill.models import Consent, DataUse


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
