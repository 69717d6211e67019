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
    name = models.CharField(_("name"), max_length=60)
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
}
