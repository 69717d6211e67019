from django.contrib import admin

from pengcheng.identity.models import AccountSession, Consent, SigningKey


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["user", "client", "granted_at", "updated_at"]
    search_fields = ["user__username", "client__name"]
    raw_id_fields = ["user", "client", "company"]


@admin.register(AccountSession)
class AccountSessionAdmin(admin.ModelAdmin):
    list_display = ["user", "ip_address", "created_at", "last_seen", "ended_at", "second_factor"]
    search_fields = ["user__username", "ip_address"]
    raw_id_fields = ["user"]
    exclude = ["session_key"]


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    """Keys are listed without their private half; rotate them with ``pengcheng rotate_oidc_key``."""

    list_display = ["kid", "created_at", "active_from", "expires_at"]
    fields = ("kid", "created_at", "active_from", "expires_at")
    readonly_fields = fields

    def has_add_permission(self, request: object) -> bool:
        return False
