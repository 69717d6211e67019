from django.contrib import admin

from pengcheng.nlp.models import ClassifierSettings, Correction, ModelVersion


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "status", "training_size", "trained_at", "activated_at")
    list_filter = ("status",)
    # Status changes go through the console (promotion, rollback) so that they are audited.
    readonly_fields = ("status", "file_name", "sha256", "metrics", "baseline")


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ("ticket", "kind", "department", "category", "request_type", "actor_label", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("ticket",)


admin.site.register(ClassifierSettings)
