from django.contrib import admin

from pengcheng.opendata.models import Dataset, KeyQuota, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "title_en", "eu_theme"]
    search_fields = ["name", "title", "title_en"]


@admin.register(KeyQuota)
class KeyQuotaAdmin(admin.ModelAdmin):
    """Operators raise or lower one key's daily quota here (the default is a setting)."""

    list_display = ["api_key", "daily_limit"]
    raw_id_fields = ["api_key"]


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    """Read-only: datasets change through the console or the API, which check permissions and audit."""

    list_display = ["title", "name", "organization", "state", "private", "modified_at"]
    list_filter = ["state", "private", "license_id"]
    search_fields = ["title", "name"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
