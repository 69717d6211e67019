from django.contrib import admin

from pengcheng.applications.models import Application, Attachment, Event


class EventInline(admin.TabularInline):
    model = Event
    fields = ("at", "action", "from_state", "to_state", "actor_label", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only: applications change only through their services, so every change is audited."""

    list_display = ("number", "item", "applicant", "state", "handling_department", "deadline")
    list_filter = ("state", "channel")
    search_fields = ("number",)
    raw_id_fields = ("item", "item_version", "applicant", "company", "division", "assignee")
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "application", "material", "size", "scanner", "uploaded_at")
    search_fields = ("application__number", "original_name")

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
