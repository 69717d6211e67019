from django.contrib import admin

from pengcheng.registries.models import PopulationRecord


@admin.register(PopulationRecord)
class PopulationRecordAdmin(admin.ModelAdmin):
    list_display = ["name", "masked_id_number", "sex", "birth_date", "household_division", "marital_status"]
    list_filter = ["sex", "marital_status"]
    search_fields = ["name", "id_number"]
    raw_id_fields = ["household_division"]
