from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from pengcheng.core.models import ApiKey, Company, CompanyAgent, Department, Division, StaffPosition, User


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "short_name"]
    raw_id_fields = ["parent"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "division", "parent", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["code", "name", "name_en"]
    raw_id_fields = ["parent", "division"]
    filter_horizontal = ["served_divisions"]


class StaffPositionInline(admin.TabularInline):
    model = StaffPosition
    extra = 0
    raw_id_fields = ["department"]


class CompanyAgentInline(admin.TabularInline):
    model = CompanyAgent
    extra = 0
    raw_id_fields = ["company", "user"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "kind", "assurance_level", "is_active", "is_staff"]
    list_filter = ["kind", "assurance_level", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email", "phone"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (
            _("Citizen"),
            {
                "fields": (
                    "kind",
                    "full_name",
                    "id_number",
                    "phone",
                    "residence",
                    "assurance_level",
                    "assurance_method",
                    "assurance_verified_at",
                )
            },
        ),
    )
    raw_id_fields = ["residence"]
    inlines = [StaffPositionInline, CompanyAgentInline]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "kind", "legal_representative", "division"]
    list_filter = ["kind"]
    search_fields = ["name", "credit_code"]
    raw_id_fields = ["division"]
    inlines = [CompanyAgentInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "owner", "scopes", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    search_fields = ["name", "prefix"]
