from django.contrib import admin

from pengcheng.licences.models import IssuerKey, Licence, LicenceType, LicenceUse, Share, StatusList


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department", "holder_kind", "issuing_level", "validity_months", "is_active"]
    list_filter = ["holder_kind", "issuing_level", "is_active", "category"]
    search_fields = ["code", "name", "name_en"]
    raw_id_fields = ["department"]


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    list_display = ["number", "licence_type", "holder_name", "state", "valid_from", "valid_until", "source"]
    list_filter = ["state", "source", "licence_type"]
    search_fields = ["number", "holder_name", "holder_identifier"]
    raw_id_fields = ["licence_type", "issuer_department", "issued_by"]
    # Signed content: changing it here would break the signature, so it is read-only.
    readonly_fields = ["credential", "sd_credential", "kid", "status_index", "data", "state"]


@admin.register(IssuerKey)
class IssuerKeyAdmin(admin.ModelAdmin):
    list_display = ["kid", "department", "created_at", "retired_at", "withdrawn_at"]
    list_filter = ["department"]
    exclude = ["private_pem"]
    readonly_fields = ["kid", "public_jwk", "department", "algorithm"]


@admin.register(StatusList)
class StatusListAdmin(admin.ModelAdmin):
    list_display = ["department", "purpose", "version", "updated_at"]
    exclude = ["bits"]


@admin.register(LicenceUse)
class LicenceUseAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "licence", "kind", "used_by", "purpose", "outcome"]
    list_filter = ["kind", "outcome"]
    raw_id_fields = ["licence", "actor"]


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    list_display = ["code", "licence", "created_at", "expires_at"]
    raw_id_fields = ["licence", "created_by"]
