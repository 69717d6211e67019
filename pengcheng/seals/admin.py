from django.contrib import admin

from pengcheng.seals.models import CertificateAuthority, Seal, SealUse


@admin.register(CertificateAuthority)
class CertificateAuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at", "valid_until"]
    exclude = ["private_pem"]
    readonly_fields = ["certificate_pem"]


@admin.register(Seal)
class SealAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "serial", "valid_from", "valid_until", "revoked_at"]
    list_filter = ["department"]
    exclude = ["private_pem", "image_png"]
    readonly_fields = ["serial", "certificate_pem", "authority"]
    filter_horizontal = ["authorised_users"]


@admin.register(SealUse)
class SealUseAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "seal", "document_name", "actor_label", "purpose"]
    list_filter = ["seal"]
    readonly_fields = ["sha256_before", "sha256_after"]
