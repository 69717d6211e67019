"""Electronic seals: the platform CA, department seals, sealing PDFs (PAdES, through pyHanko) and
validating sealed PDFs.

Signatures are PAdES baseline B (ETSI.CAdES.detached, SHA-256, ECDSA P-256) with a visible stamp:
the seal image. GB/T 38540 prescribes SM2/SM3; no maintained Python library signs PDFs with SM2
(``cryptography`` and pyHanko have no SM2), so seals use ECDSA P-256 (see docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.audit.services import record
from pengcheng.core.actors import MaybeActor, SystemActor
from pengcheng.core.errors import AccessDenied, Conflict, ValidationFailed
from pengcheng.core.models import Department, Role, User
from pengcheng.core.permissions import require_department
from pengcheng.seals.images import seal_image
from pengcheng.seals.keystore import new_ec_key, open_private_key, seal_private_key
from pengcheng.seals.models import CertificateAuthority, Seal, SealUse

logger = logging.getLogger(__name__)

MAX_PDF_BYTES = 20 * 1024 * 1024
CA_YEARS = 20
SEAL_YEARS = 3
SEAL_BOX = (400, 60, 540, 200)  # points from the bottom-left of the page: lower right, above the footer


class PdfRejected(ValidationFailed):
    """The upload is not a PDF we can seal or validate."""


# The certificate authority --------------------------------------------------------------------------


def _name(common: str, organisation: str, unit: str = "") -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "广东省"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "深圳市"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
    ]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common))
    return x509.Name(attributes)


def certificate_authority() -> CertificateAuthority:
    """The current CA, created on first use."""
    found = CertificateAuthority.objects.filter(valid_until__gt=timezone.now()).first()
    if found is not None:
        return found
    with transaction.atomic():
        key = new_ec_key()
        now = timezone.now()
        name = _name("鹏城电子印章根证书 Pengcheng Seal Root CA", "鹏城数字政府平台 Pengcheng")
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        authority = CertificateAuthority.objects.create(
            name="鹏城电子印章根证书 Pengcheng Seal Root CA",
            certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            private_pem=seal_private_key(key),
            valid_until=certificate.not_valid_after_utc,
        )
        record(None, "seals.create_ca", authority, summary=authority.name)
    return authority


def trust_roots() -> list[asn1_x509.Certificate]:
    return [_asn1_cert(ca.certificate_pem) for ca in CertificateAuthority.objects.all()]


@lru_cache(maxsize=64)
def _asn1_cert(pem: str) -> asn1_x509.Certificate:
    cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


# Seals -----------------------------------------------------------------------------------------------


def _require_seal_admin(actor: MaybeActor, department: Department, action: str) -> None:
    if isinstance(actor, SystemActor):
        return
    require_department(actor, department.pk, Role.SUPERVISOR, action=action, target=department)


@transaction.atomic
def create_seal(
    actor: MaybeActor,
    department: Department,
    *,
    name: str = "",
    years: int = SEAL_YEARS,
    users: list[User] | None = None,
) -> Seal:
    """Issue a seal certificate from the platform CA for ``department`` and draw its image."""
    _require_seal_admin(actor, department, "seals.create")
    if not 1 <= years <= 10:
        raise ValidationFailed({"years": [_("A seal is valid for 1 to 10 years.")]})
    authority = certificate_authority()
    ca_key = open_private_key(authority.private_pem)
    ca_cert = x509.load_pem_x509_certificate(authority.certificate_pem.encode("ascii"))
    key = new_ec_key()
    now = timezone.now()
    seal_name = (name or department.name).strip()[:200]
    until = min(now + dt.timedelta(days=365 * years), ca_cert.not_valid_after_utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(seal_name, department.name, department.code))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    seal = Seal.objects.create(
        department=department,
        name=seal_name,
        serial=format(certificate.serial_number, "x"),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        private_pem=seal_private_key(key),
        authority=authority,
        image_png=seal_image(department.name),
        valid_from=now,
        valid_until=until,
    )
    if users:
        seal.authorised_users.set(users)
    record(actor, "seals.create", seal, summary=f"{department.code}: {seal_name}", data={"serial": seal.serial})
    return seal


def seal_for(department: Department) -> Seal:
    """The department's seal in force, created by the platform on first use."""
    now = timezone.now()
    found = (
        Seal.objects.filter(department=department, revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now)
        .order_by("-created_at")
        .first()
    )
    if found is not None:
        return found
    from pengcheng.core.actors import SYSTEM

    return create_seal(SYSTEM, department)


@transaction.atomic
def set_authorised_users(actor: MaybeActor, seal: Seal, users: list[User]) -> Seal:
    _require_seal_admin(actor, seal.department, "seals.authorise")
    before = sorted(seal.authorised_users.values_list("username", flat=True))
    seal.authorised_users.set(users)
    after = sorted(u.username for u in users)
    record(
        actor,
        "seals.authorise",
        seal,
        summary=f"{seal.name}: {len(after)} users",
        data={"before": before, "after": after},
    )
    return seal


@transaction.atomic
def revoke_seal(actor: MaybeActor, seal: Seal, reason: str) -> Seal:
    _require_seal_admin(actor, seal.department, "seals.revoke")
    if seal.revoked_at is not None:
        raise Conflict(_("This seal is already revoked."))
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give a reason.")]})
    seal.revoked_at = timezone.now()
    seal.save(update_fields=["revoked_at"])
    record(actor, "seals.revoke", seal, summary=f"{seal.name}: {reason.strip()}"[:300])
    return seal


def may_use(actor: MaybeActor, seal: Seal) -> bool:
    if isinstance(actor, SystemActor):
        return True
    return isinstance(actor, User) and seal.authorised_users.filter(pk=actor.pk).exists()


# Sealing ---------------------------------------------------------------------------------------------


def check_pdf(content: bytes) -> None:
    """Refuse what is too large or not a PDF, before any parser sees it."""
    if len(content) > MAX_PDF_BYTES:
        raise PdfRejected({"file": [_("The file is larger than %(n)s MB.") % {"n": MAX_PDF_BYTES // 1048576}]})
    if not content.lstrip(b"\r\n\t ")[:5] == b"%PDF-":
        raise PdfRejected({"file": [_("This file is not a PDF.")]})


@lru_cache(maxsize=64)
def _signer(seal_pk: int, certificate_pem: str, private_pem: str, ca_pem: str) -> Any:
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = open_private_key(private_pem)
    key_info = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return signers.SimpleSigner(
        signing_cert=_asn1_cert(certificate_pem),
        signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(ca_pem)]),
    )


@lru_cache(maxsize=64)
def _stamp_style(seal_pk: int, image: bytes) -> Any:
    from PIL import Image
    from pyhanko import stamp
    from pyhanko.pdf_utils.images import PdfImage

    return stamp.StaticStampStyle(background=PdfImage(Image.open(io.BytesIO(image))), border_width=0)


def seal_pdf(
    actor: MaybeActor,
    seal: Seal,
    content: bytes,
    *,
    document_name: str,
    purpose: str = "",
    on_behalf_of: str = "",
    page: int = -1,
) -> bytes:
    """Add the seal (visible stamp + PAdES signature) to the PDF and record the use."""
    if not may_use(actor, seal):
        raise AccessDenied("seals.use", target=seal, reason="not an authorised user of this seal")
    if not seal.in_force():
        raise Conflict(_("This seal is not in force."))
    check_pdf(content)
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(content), strict=False)
        existing = [name for name, _value, _ref in fields.enumerate_sig_fields(writer)]
        pages = int(writer.root["/Pages"]["/Count"])
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise PdfRejected({"file": [_("The PDF cannot be read: %(e)s") % {"e": str(exc)[:200]}]}) from None
    field_name = f"Seal{len(existing) + 1}"
    on_page = page if page >= 0 else pages + page
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=purpose[:200] or None,
        name=seal.name,
        location="深圳市 Shenzhen",
    )
    signer = _signer(seal.pk, seal.certificate_pem, seal.private_pem, seal.authority.certificate_pem)
    pdf_signer = signers.PdfSigner(
        meta,
        signer,
        stamp_style=_stamp_style(seal.pk, bytes(seal.image_png)),
        new_field_spec=fields.SigFieldSpec(field_name, on_page=on_page, box=SEAL_BOX),
    )
    output = io.BytesIO()
    try:
        pdf_signer.sign_pdf(writer, output=output)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise PdfRejected({"file": [_("The PDF cannot be sealed: %(e)s") % {"e": str(exc)[:200]}]}) from None
    sealed = output.getvalue()
    with transaction.atomic():
        use = SealUse.objects.create(
            seal=seal,
            actor=actor if isinstance(actor, User) else None,
            actor_label=str(getattr(actor, "username", "system")),
            on_behalf_of=on_behalf_of[:200],
            document_name=document_name[:200] or "document.pdf",
            purpose=purpose[:200],
            sha256_before=hashlib.sha256(content).hexdigest(),
            sha256_after=hashlib.sha256(sealed).hexdigest(),
            pages=pages,
        )
        record(
            actor,
            "seals.use",
            seal,
            summary=f"{seal.name}: {use.document_name}"[:300],
            data={"sha256": use.sha256_after, "purpose": purpose[:200], "on_behalf_of": on_behalf_of[:200]},
        )
    return sealed


# Validation ------------------------------------------------------------------------------------------


@dataclass
class SignatureReport:
    field_name: str
    signer: str
    organisation: str
    signed_at: dt.datetime | None
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool
    modification_level: str
    seal: Seal | None
    seal_revoked: bool
    summary: str

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.seal_revoked


@dataclass
class PdfReport:
    signatures: list[SignatureReport] = field(default_factory=list)
    sha256: str = ""
    uses: list[SealUse] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and all(s.ok for s in self.signatures)


def validate_pdf(content: bytes) -> PdfReport:
    """Validate every signature in the PDF with pyHanko against the platform CA."""
    check_pdf(content)
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    report = PdfReport(sha256=hashlib.sha256(content).hexdigest())
    report.uses = list(SealUse.objects.filter(sha256_after=report.sha256).select_related("seal"))
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise PdfRejected({"file": [_("The PDF cannot be read: %(e)s") % {"e": str(exc)[:200]}]}) from None
    context = ValidationContext(trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail")
    for signature in embedded:
        try:
            status = validate_pdf_signature(signature, context)
        except Exception as exc:  # pyHanko raises many types for a broken signature
            logger.info("signature %s failed validation: %s", signature.field_name, exc)
            report.signatures.append(
                SignatureReport(
                    signature.field_name,
                    "",
                    "",
                    None,
                    False,
                    False,
                    False,
                    False,
                    "",
                    None,
                    False,
                    f"{type(exc).__name__}: {exc}"[:300],
                )
            )
            continue
        cert = status.signing_cert
        subject = cert.subject.native if cert is not None else {}
        serial = format(cert.serial_number, "x") if cert is not None else ""
        seal = Seal.objects.select_related("department").filter(serial=serial).first() if serial else None
        level = status.modification_level.name if status.modification_level is not None else ""
        report.signatures.append(
            SignatureReport(
                field_name=signature.field_name,
                signer=str(subject.get("common_name", "")),
                organisation=str(subject.get("organization_name", "")),
                signed_at=status.signer_reported_dt,
                intact=bool(status.intact),
                valid=bool(status.valid),
                trusted=bool(status.trusted),
                covers_whole_file=status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
                modification_level=level,
                seal=seal,
                seal_revoked=bool(
                    seal
                    and seal.revoked_at
                    and status.signer_reported_dt
                    and seal.revoked_at <= status.signer_reported_dt
                ),
                summary=status.summary(),
            )
        )
    return report
