from django.contrib import admin

from pengcheng.registries.models import (
    EducationRecord,
    LegalEntityRecord,
    PopulationRecord,
    PropertyRecord,
    SocialInsuranceRecord,
    VehicleRecord,
)


@admin.register(PopulationRecord)
class PopulationRecordAdmin(admin.ModelAdmin):
    list_display = ["name", "masked_id_number", "sex", "birth_date", "household_division", "marital_status"]
    list_filter = ["sex", "marital_status"]
    search_fields = ["name", "id_number"]
    raw_id_fields = ["household_division"]


@admin.register(LegalEntityRecord)
class LegalEntityRecordAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "entity_type", "legal_representative", "established_on", "status"]
    list_filter = ["entity_type", "status"]
    search_fields = ["name", "credit_code"]
    raw_id_fields = ["division"]


@admin.register(SocialInsuranceRecord)
class SocialInsuranceRecordAdmin(admin.ModelAdmin):
    list_display = ["name", "employer", "status", "first_insured_on", "months_contributed"]
    list_filter = ["status"]
    search_fields = ["name", "id_number", "employer"]


@admin.register(PropertyRecord)
class PropertyRecordAdmin(admin.ModelAdmin):
    list_display = ["certificate_number", "owner_name", "address", "usage", "floor_area", "registered_on"]
    list_filter = ["usage", "mortgaged"]
    search_fields = ["certificate_number", "id_number", "owner_name"]
    raw_id_fields = ["division"]


@admin.register(VehicleRecord)
class VehicleRecordAdmin(admin.ModelAdmin):
    list_display = ["plate_number", "owner_name", "vehicle_type", "brand", "inspection_valid_until", "status"]
    list_filter = ["vehicle_type", "status", "new_energy"]
    search_fields = ["plate_number", "id_number", "vin"]


@admin.register(EducationRecord)
class EducationRecordAdmin(admin.ModelAdmin):
    list_display = ["name", "degree", "school", "major", "graduation_date"]
    list_filter = ["degree", "full_time"]
    search_fields = ["name", "id_number", "certificate_number"]
