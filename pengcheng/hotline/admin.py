from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from pengcheng.hotline.models import (
    Category,
    CategoryAttribute,
    ImportBatch,
    InboundMessage,
    RoutingRule,
    ServiceType,
    Ticket,
    TicketEvent,
    TimeLimit,
)
from pengcheng.hotline.selectors import forget_categories


class AttributeInline(admin.TabularInline):
    model = CategoryAttribute
    extra = 0


@admin.action(description=_("Open311: answer POSTs at once with the ticket number (realtime)"))
def make_realtime(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Category]) -> None:
    queryset.update(service_type=ServiceType.REALTIME)
    forget_categories()


@admin.action(description=_("Open311: answer POSTs with a token, create tickets in bulk (batch, for bursts)"))
def make_batch(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Category]) -> None:
    queryset.update(service_type=ServiceType.BATCH)
    forget_categories()


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "path_name", "service_type", "is_active")
    list_filter = ("level", "service_type", "is_active")
    search_fields = ("code", "name", "path_name", "keywords")
    inlines = [AttributeInline]
    actions = [make_realtime, make_batch]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "division_prefix", "department", "auto_dispatch", "is_active")
    list_filter = ("auto_dispatch", "is_active")
    autocomplete_fields = ("category",)
    filter_horizontal = ("assisting",)


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    list_display = ("request_type", "category", "urgency", "accept_minutes", "handle_amount", "handle_unit")


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "at", "actor_label", "department", "note", "public")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only here: tickets change only through the hotline console, which audits every step."""

    list_display = ("id", "title", "request_type", "status", "lead_department", "created_at")
    list_filter = ("status", "request_type", "channel", "urgency")
    search_fields = ("title",)
    inlines = [EventInline]
    date_hierarchy = "created_at"
    list_select_related = ("lead_department",)
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("channel", "sender", "subject", "received_at", "status")
    list_filter = ("channel", "status")


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("file_name", "started_at", "rows_total", "rows_imported", "rows_bad")
