from django.contrib import admin

from pengcheng.catalog.models import ItemVersion, Material, ServiceItem


class VersionInline(admin.TabularInline):
    model = ItemVersion
    fields = ("number", "name", "item_type", "published_at", "published_by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ("code", "__str__", "department", "level", "status", "featured")
    list_filter = ("status", "level", "featured")
    search_fields = ("code", "current_version__name")
    raw_id_fields = ("department", "division", "current_version")
    inlines = [VersionInline]


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0


@admin.register(ItemVersion)
class ItemVersionAdmin(admin.ModelAdmin):
    """Versions are immutable once published: shown read-only; publish changes through the services."""

    list_display = ("item", "number", "name", "published_at")
    search_fields = ("name", "item__code")
    inlines = [MaterialInline]

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
