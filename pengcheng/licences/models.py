"""Electronic licences (电子证照): licence types, issuer keys, status lists, licences and their uses."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pengcheng.core import identifiers
from pengcheng.core.models import Department


class HolderKind(models.TextChoices):
    """持证主体类别 (GB/T 36902)."""

    PERSON = "person", _("Natural person")
    ORGANISATION = "organisation", _("Legal person or organisation")


class IssuingLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", pgettext_lazy("administrative level", "City")
    DISTRICT = "district", pgettext_lazy("administrative level", "District")


class LicenceType(models.Model):
    """证照类型: one kind of licence, with its GB/T 36902-style catalogue entry, data schema (JSON
    Schema), validity rule and display template. ``code`` is stable: catalogue materials refer to it."""

    code = models.SlugField(_("type code"), max_length=40, unique=True, allow_unicode=False)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="licence_types", verbose_name=_("issuing department")
    )
    # GB/T 36902 目录信息
    catalogue_code = models.CharField(_("catalogue code (证照类型代码)"), max_length=40, blank=True)
    defining_authority = models.CharField(_("defining authority (证照定义机构)"), max_length=120, blank=True)
    issuing_level = models.CharField(
        _("issuing level"), max_length=12, choices=IssuingLevel.choices, default=IssuingLevel.CITY
    )
    holder_kind = models.CharField(_("holder kind"), max_length=12, choices=HolderKind.choices)
    category = models.CharField(_("category"), max_length=40, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    # Data, validity and display
    schema = models.JSONField(_("data schema (JSON Schema)"), default=dict)
    validity_months = models.PositiveIntegerField(
        _("validity in months"), null=True, blank=True, help_text=_("Empty for a licence valid without limit.")
    )
    validity_editable = models.BooleanField(
        _("issuer may set the end of validity"), default=False, help_text=_("e.g. a card valid until a printed date")
    )
    display_fields = models.JSONField(_("fields shown on the card"), default=list, blank=True)
    number_field = models.CharField(_("field holding the licence number"), max_length=40, blank=True)
    colour = models.CharField(_("card colour"), max_length=7, default="#b3261e")
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError
        from jsonschema import Draft202012Validator, SchemaError

        try:
            Draft202012Validator.check_schema(self.schema)
        except SchemaError as exc:
            raise ValidationError({"schema": str(exc.message)}) from None
        if self.schema.get("type") != "object" or not isinstance(self.schema.get("properties"), dict):
            raise ValidationError({"schema": _("The schema must describe an object with properties.")})

    def field_titles(self) -> dict[str, str]:
        properties = self.schema.get("properties", {})
        return {name: str(spec.get("title", name)) for name, spec in properties.items()}

    def card_fields(self) -> list[str]:
        return list(self.display_fields) or list(self.schema.get("properties", {}))


class IssuerKey(models.Model):
    """A department's signing key. The newest unretired key signs; retired keys stay published (in
    the DID document and JWKS) until ``withdrawn_at``, so credentials they signed still verify."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="issuer_keys")
    kid = models.CharField(max_length=200, unique=True)
    algorithm = models.CharField(max_length=10, default="ES256")
    public_jwk = models.JSONField()
    private_pem = models.TextField(help_text="PKCS#8, encrypted under the platform key passphrase")
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["department", "-created_at"]
        verbose_name = _("issuer key")
        verbose_name_plural = _("issuer keys")

    def __str__(self) -> str:
        return self.kid


class StatusPurpose(models.TextChoices):
    REVOCATION = "revocation", _("Revocation")
    SUSPENSION = "suspension", _("Suspension")


STATUS_LIST_BITS = 131_072  # 16 KiB: the specification's minimum, for group privacy


class StatusList(models.Model):
    """A W3C Bitstring Status List of one issuing department for one purpose."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="status_lists")
    purpose = models.CharField(max_length=12, choices=StatusPurpose.choices)
    bits = models.BinaryField()
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "purpose"], name="status_list_unique")]
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")

    def __str__(self) -> str:
        return f"{self.department.code}/{self.purpose}"


class LicenceState(models.TextChoices):
    ACTIVE = "active", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class IssueSource(models.TextChoices):
    CLERK = "clerk", _("Issued by a clerk")
    IMPORT = "import", _("Bulk import")
    API = "api", _("Issuing system (API)")
    APPLICATION = "application", _("Approved application")
    SEED = "seed", _("Demo data")


class Licence(models.Model):
    """One issued licence: its data, validity, status and the two signed credentials."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT, related_name="licences")
    number = models.CharField(_("licence number"), max_length=60, unique=True)
    holder_kind = models.CharField(_("holder kind"), max_length=12, choices=HolderKind.choices)
    # 身份证号码 for a person, 统一社会信用代码 for an organisation: the wallet finds licences by it.
    holder_identifier = models.CharField(_("holder identifier"), max_length=18, db_index=True)
    holder_name = models.CharField(_("holder name"), max_length=200)
    data = models.JSONField(pgettext_lazy("licence", "data"), default=dict)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    state = models.CharField(_("status"), max_length=10, choices=LicenceState.choices, default=LicenceState.ACTIVE)
    state_reason = models.CharField(_("reason"), max_length=300, blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    status_index = models.PositiveIntegerField()
    issuer_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    kid = models.CharField(max_length=200)
    credential = models.TextField(help_text="vc+jwt")
    sd_credential = models.TextField(help_text="vc+sd-jwt issuance with every disclosure")
    source = models.CharField(_("source"), max_length=12, choices=IssueSource.choices, default=IssueSource.CLERK)
    source_reference = models.CharField(_("source reference"), max_length=100, blank=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["issuer_department", "status_index"], name="licence_status_index_unique")
        ]
        indexes = [models.Index(fields=["holder_identifier", "licence_type"])]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")

    def __str__(self) -> str:
        return f"{self.licence_type.name} {self.number}"

    @property
    def credential_id(self) -> str:
        return f"urn:uuid:{self.id}"

    @property
    def masked_holder_identifier(self) -> str:
        return identifiers.mask_id_number(self.holder_identifier)

    def is_expired(self, moment: object = None) -> bool:
        now = timezone.now() if moment is None else moment
        return self.valid_until is not None and self.valid_until <= now  # type: ignore[operator]

    @property
    def effective_state(self) -> str:
        """``active``, ``suspended``, ``revoked`` or ``expired``."""
        if self.state == LicenceState.ACTIVE and self.is_expired():
            return "expired"
        return self.state


class UseKind(models.TextChoices):
    VERIFIED = "verified", _("Verified")
    AUTHORISED = "authorised", _("Used with the holder's authorisation")
    SHARED = "shared", _("Shared by the holder")
    PRINTED = "printed", _("Printed (sealed PDF)")


class LicenceUse(models.Model):
    """One use of a licence: a verification, an authorised use in an application, a share or a
    print-out. The holder sees all of them in the wallet."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="uses")
    kind = models.CharField(_("kind"), max_length=12, choices=UseKind.choices)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    used_by = models.CharField(_("used by"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, blank=True)
    disclosed = models.JSONField(_("disclosed claims"), default=list, blank=True)
    reference = models.CharField(pgettext_lazy("licence", "reference"), max_length=100, blank=True)
    ip_address = models.CharField(max_length=45, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["licence", "-occurred_at"])]
        verbose_name = _("licence use")
        verbose_name_plural = _("licence uses")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.used_by}"


class Share(models.Model):
    """A holder's share (出示): a presentation disclosing chosen claims, reachable through a short
    link for a limited time. The QR code in the wallet carries the link or the presentation."""

    code = models.CharField(max_length=32, unique=True)
    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="shares")
    presentation = models.TextField()
    claims = models.JSONField(default=list)
    purpose = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("share")
        verbose_name_plural = _("shares")

    def __str__(self) -> str:
        return self.code
