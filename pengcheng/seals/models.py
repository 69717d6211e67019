"""Electronic seals (电子印章): the platform certificate authority, each department's seal, and every use."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pengcheng.core.models import Department


class CertificateAuthority(models.Model):
    """The platform's seal CA (a self-signed root). Seal certificates chain to the newest one."""

    name = models.CharField(max_length=200)
    certificate_pem = models.TextField()
    private_pem = models.TextField(help_text="PKCS#8, encrypted under the platform key passphrase")
    created_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("seal certificate authority")
        verbose_name_plural = _("seal certificate authorities")

    def __str__(self) -> str:
        return self.name


class Seal(models.Model):
    """A department's electronic seal: certificate, key, image, validity and who may use it."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="seals", verbose_name=_("holder"))
    name = models.CharField(_("seal name"), max_length=200)
    serial = models.CharField(_("certificate serial"), max_length=64, unique=True)
    certificate_pem = models.TextField()
    private_pem = models.TextField(help_text="PKCS#8, encrypted under the platform key passphrase")
    authority = models.ForeignKey(CertificateAuthority, on_delete=models.PROTECT, related_name="seals")
    image_png = models.BinaryField(_("seal image"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(pgettext_lazy("seal", "revoked at"), null=True, blank=True)
    authorised_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="authorised_seals", verbose_name=_("authorised users")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["department__code", "-created_at"]
        verbose_name = _("seal")
        verbose_name_plural = _("seals")

    def __str__(self) -> str:
        return self.name

    def in_force(self, moment: object = None) -> bool:
        now = timezone.now() if moment is None else moment
        return self.revoked_at is None and self.valid_from <= now < self.valid_until  # type: ignore[operator]


class SealUse(models.Model):
    """One sealed document (用印记录)."""

    seal = models.ForeignKey(Seal, on_delete=models.PROTECT, related_name="uses")
    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("sealed by"), max_length=150)
    on_behalf_of = models.CharField(_("requested by"), max_length=200, blank=True)
    document_name = models.CharField(_("document"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    sha256_before = models.CharField(max_length=64)
    sha256_after = models.CharField(_("SHA-256 of the sealed file"), max_length=64, db_index=True)
    pages = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("seal use")
        verbose_name_plural = _("seal uses")

    def __str__(self) -> str:
        return f"{self.seal} · {self.document_name}"
