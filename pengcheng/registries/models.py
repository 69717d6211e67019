"""Base registries (基础库): authoritative records that each belong to one department.

Each registry is a model derived from ``RegistryRecord`` and is listed in ``REGISTRIES`` with the
department that owns it. Services elsewhere (real-name verification, pre-fill, sharing) read them
through ``selectors``; only the owner's imports change them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pengcheng.core.models import Division


class RegistryRecord(models.Model):
    """Fields every registry record carries: where it came from and when it last changed."""

    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("file or system it came from"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        abstract = True


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class MaritalStatus(models.TextChoices):
    """GB/T 2261.2 marital status codes."""

    UNMARRIED = "10", _("Unmarried")
    MARRIED = "20", _("Married")
    WIDOWED = "30", _("Widowed")
    DIVORCED = "40", _("Divorced")
    UNKNOWN = "90", _("Not stated")


class PopulationRecord(RegistryRecord):
    """人口库: one resident as the public security bureau registers them."""

    id_number = models.CharField(_("identity number"), max_length=18, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    household_division = models.ForeignKey(
        Division,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("household registration (户籍地)"),
    )
    marital_status = models.CharField(
        _("marital status"), max_length=2, choices=MaritalStatus.choices, default=MaritalStatus.UNKNOWN
    )
    # 户籍地址: the full registered address; for residents whose household is outside the city it is
    # the only trace of it (``household_division`` then stays empty).
    household_address = models.CharField(_("household address (户籍地址)"), max_length=200, blank=True)
    address = models.CharField(_("current address (现居住地址)"), max_length=200, blank=True)
    residence_permit_number = models.CharField(_("residence permit number (居住证号码)"), max_length=18, blank=True)
    spouse_name = models.CharField(_("spouse's name"), max_length=60, blank=True)

    class Meta:
        ordering = ["id_number"]
        verbose_name = _("population record")
        verbose_name_plural = _("population registry")

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_id_number})"

    @property
    def masked_id_number(self) -> str:
        from pengcheng.core.identifiers import mask_id_number

        return mask_id_number(self.id_number)


class EntityKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    INDIVIDUAL_BUSINESS = "individual", _("Individual business (个体工商户)")
    SOCIAL_ORGANISATION = "social", _("Social organisation")
    PUBLIC_INSTITUTION = "institution", _("Public institution")


class EntityStatus(models.TextChoices):
    ACTIVE = "active", _("In business (存续)")
    REVOKED = "revoked", _("Licence revoked (吊销)")
    CANCELLED = "cancelled", _("Deregistered (注销)")


class LegalEntityRecord(RegistryRecord):
    """法人库: one market entity as the market regulation bureau registers it."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    entity_type = models.CharField(_("kind"), max_length=12, choices=EntityKind.choices, default=EntityKind.ENTERPRISE)
    legal_representative = models.CharField(_("legal representative"), max_length=60)
    legal_representative_id_number = models.CharField(
        _("legal representative's identity number"), max_length=18, blank=True, db_index=True
    )
    registered_capital = models.DecimalField(
        _("registered capital (10,000 yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    established_on = models.DateField(_("established on"))
    address = models.CharField(_("registered address (住所)"), max_length=200)
    division = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered in")
    )
    business_scope = models.TextField(_("business scope"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=EntityStatus.choices, default=EntityStatus.ACTIVE)

    class Meta:
        ordering = ["credit_code"]
        verbose_name = _("legal entity record")
        verbose_name_plural = _("legal entity registry")

    def __str__(self) -> str:
        return self.name


class InsuranceStatus(models.TextChoices):
    CONTRIBUTING = "contributing", _("Contributing (参保缴费)")
    SUSPENDED = "suspended", _("Suspended (暂停缴费)")
    ENDED = "ended", _("Ended (终止参保)")


class SocialInsuranceRecord(RegistryRecord):
    """社保库: one insured person's current social insurance as the human resources and social security
    bureau keeps it (pension, unemployment, injury; medical insurance tier from the healthcare security
    bureau)."""

    id_number = models.CharField(_("identity number"), max_length=18, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    employer_credit_code = models.CharField(_("employer's credit code"), max_length=18, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=InsuranceStatus.choices, default=InsuranceStatus.CONTRIBUTING
    )
    first_insured_on = models.DateField(_("first insured in the city on"))
    months_contributed = models.PositiveIntegerField(_("months contributed in total"), default=0)
    continuous_months = models.PositiveIntegerField(_("months contributed without a break"), default=0)
    medical_tier = models.PositiveSmallIntegerField(_("medical insurance tier (1-3)"), default=1)

    class Meta:
        ordering = ["id_number"]
        verbose_name = _("social insurance record")
        verbose_name_plural = _("social insurance registry")

    def __str__(self) -> str:
        return f"{self.name} · {self.employer}"


class PropertyUsage(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    COMMERCIAL = "commercial", _("Commercial")
    OFFICE = "office", _("Office")
    INDUSTRIAL = "industrial", _("Industrial")


class PropertyRecord(RegistryRecord):
    """不动产登记簿: one registered property right (不动产权证书) held by a person."""

    certificate_number = models.CharField(_("certificate number"), max_length=60, unique=True)
    id_number = models.CharField(_("owner's identity number"), max_length=18, db_index=True)
    owner_name = models.CharField(_("owner"), max_length=60)
    address = models.CharField(_("location (坐落)"), max_length=200)
    division = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("division")
    )
    usage = models.CharField(_("usage"), max_length=12, choices=PropertyUsage.choices)
    floor_area = models.DecimalField(_("floor area (m²)"), max_digits=10, decimal_places=2)
    registered_on = models.DateField(_("registered on"))
    mortgaged = models.BooleanField(_("mortgaged"), default=False)

    class Meta:
        ordering = ["id_number", "-registered_on"]
        verbose_name = _("property record")
        verbose_name_plural = _("property registry")

    def __str__(self) -> str:
        return self.certificate_number


class VehicleType(models.TextChoices):
    """GA 802 vehicle type codes (a common subset)."""

    SMALL_CAR = "K33", _("Small car (小型轿车)")
    SMALL_BUS = "K31", _("Small passenger vehicle (小型普通客车)")
    LIGHT_TRUCK = "H31", _("Light truck (轻型普通货车)")
    MOTORCYCLE = "M21", _("Motorcycle (普通二轮摩托车)")


class VehicleStatus(models.TextChoices):
    """GA 24.7 vehicle status codes (a subset)."""

    NORMAL = "A", _("Normal")
    OFF_ROAD = "D", _("Laid up")
    CANCELLED = "E", _("Deregistered")
    UNPAID_VIOLATION = "G", _("Violation not dealt with")


class VehicleRecord(RegistryRecord):
    """机动车登记: one motor vehicle registered by the traffic police (公安交警) to a person."""

    plate_number = models.CharField(_("licence plate"), max_length=10, unique=True)
    id_number = models.CharField(_("owner's identity number"), max_length=18, db_index=True)
    owner_name = models.CharField(_("owner"), max_length=60)
    vehicle_type = models.CharField(_("vehicle type"), max_length=3, choices=VehicleType.choices)
    brand = models.CharField(_("make and model"), max_length=60)
    vin = models.CharField(_("vehicle identification number"), max_length=17, unique=True)
    new_energy = models.BooleanField(_("new-energy vehicle"), default=False)
    registered_on = models.DateField(_("first registered on"))
    inspection_valid_until = models.DateField(_("inspection valid until"))
    status = models.CharField(_("status"), max_length=1, choices=VehicleStatus.choices, default=VehicleStatus.NORMAL)

    class Meta:
        ordering = ["id_number", "-registered_on"]
        verbose_name = _("vehicle record")
        verbose_name_plural = _("vehicle registry")

    def __str__(self) -> str:
        return self.plate_number


class Degree(models.TextChoices):
    ASSOCIATE = "associate", _("Associate degree (大专)")
    BACHELOR = "bachelor", _("Bachelor's")
    MASTER = "master", _("Master's")
    DOCTOR = "doctor", _("Doctorate")


class EducationRecord(RegistryRecord):
    """学历库: one higher-education certificate (学历证书电子注册), as the education bureau holds it."""

    certificate_number = models.CharField(_("certificate number"), max_length=20, unique=True)
    id_number = models.CharField(_("identity number"), max_length=18, db_index=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    degree = models.CharField(_("degree"), max_length=10, choices=Degree.choices)
    school = models.CharField(_("school"), max_length=100)
    major = models.CharField(_("major"), max_length=100)
    graduation_date = models.DateField(_("graduation date"))
    full_time = models.BooleanField(_("full-time"), default=True)

    class Meta:
        # Latest first: pre-fill takes the first record, which is the latest (usually the highest) degree.
        ordering = ["id_number", "-graduation_date"]
        verbose_name = _("education record")
        verbose_name_plural = _("education registry")

    def __str__(self) -> str:
        return f"{self.name} · {self.school}"


@dataclass(frozen=True)
class Registry:
    """One base registry: its model, owner, and how its records attach to a person or a company.

    ``subject_field`` is the model field holding the subject's identifier (a person's identity number or
    a company's unified social credit code). ``many`` registries hold several records per subject
    (vehicles, properties, degrees); their facts are a list.
    """

    key: str
    label: object  # a lazy translation
    model: type[RegistryRecord]
    owner_code: str  # the department that keeps it
    subject: Literal["person", "company"] = "person"
    subject_field: str = "id_number"
    many: bool = False


REGISTRIES = {
    "population": Registry("population", _("Population registry"), PopulationRecord, "440300-GAJ"),
    "legal_entity": Registry(
        "legal_entity",
        _("Legal entity registry"),
        LegalEntityRecord,
        "440300-SCJGJ",
        subject="company",
        subject_field="credit_code",
    ),
    "social_insurance": Registry(
        "social_insurance", _("Social insurance registry"), SocialInsuranceRecord, "440300-RSJ"
    ),
    "property": Registry("property", _("Real property registry"), PropertyRecord, "440300-GHZYJ", many=True),
    "vehicle": Registry("vehicle", _("Motor vehicle registry"), VehicleRecord, "440300-GAJ", many=True),
    "education": Registry("education", _("Education registry"), EducationRecord, "440300-JYJ", many=True),
}
