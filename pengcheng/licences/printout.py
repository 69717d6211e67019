"""The licence print-out: a one-page PDF with the licence data and a QR code for online
verification, sealed with the issuing department's electronic seal."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from pengcheng.core.actors import SYSTEM, MaybeActor
from pengcheng.core.errors import Conflict
from pengcheng.licences import services
from pengcheng.licences.models import Licence, LicenceState, Share, UseKind
from pengcheng.seals import pdf
from pengcheng.seals.services import seal_for, seal_pdf

PRINT_SHARE_DAYS = 365


def _hex_colour(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    try:
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    except (ValueError, IndexError):
        return (179, 38, 30)


def print_licence(actor: MaybeActor, licence: Licence, *, link_base: str) -> bytes:
    """The holder's sealed print-out. The QR code opens a share of the card's fields, valid for a
    year (or until the licence expires), so that anyone can check the paper against the register."""
    user = services._require_holder(actor, licence, "licences.print")
    if licence.effective_state != LicenceState.ACTIVE:
        raise Conflict("Only a licence in force can be printed.")
    licence_type = licence.licence_type
    fields = licence_type.card_fields()
    now = timezone.now()
    expires = now + dt.timedelta(days=PRINT_SHARE_DAYS)
    if licence.valid_until is not None:
        expires = min(expires, licence.valid_until)
    with transaction.atomic():
        share = Share.objects.create(
            code=services.secrets.token_urlsafe(12),
            licence=licence,
            presentation=services.credentials.present(licence.sd_credential, ["licenceNumber", *fields]),
            claims=["licenceNumber", *fields],
            purpose="print-out",
            expires_at=expires,
            created_by=user,
        )
    titles = licence_type.field_titles()
    local = timezone.localtime
    validity = f"{local(licence.valid_from):%Y-%m-%d} 至 " + (
        f"{local(licence.valid_until):%Y-%m-%d}" if licence.valid_until else "长期"
    )
    document = pdf.Document(
        title=licence_type.name,
        issuer=licence.issuer_department.name,
        reference=f"电子证照编号 {licence.number}",
        fields=[(titles.get(name, name), str(licence.data.get(name, ""))) for name in fields]
        + [("有效期限", validity)],
        paragraphs=[
            "本件为电子证照打印件，与电子证照具有同等效力。扫描二维码或访问链接可在线核验证照真实性与当前状态。"
        ],
        qr_url=link_base + reverse("licences:shared", args=[share.code]),
        qr_caption="扫码核验 Scan to verify",
        date_line=f"打印日期 {timezone.localdate():%Y年%m月%d日}",
        footer="鹏城数字政府平台 · 电子证照 Pengcheng electronic licence",
        accent=_hex_colour(licence_type.colour),
    )
    content = pdf.render(document)
    sealed = seal_pdf(
        SYSTEM,
        seal_for(licence.issuer_department),
        content,
        document_name=f"{licence_type.name} {licence.number}.pdf",
        purpose="电子证照打印件 licence print-out",
        on_behalf_of=user.display_name,
    )
    with transaction.atomic():
        services.record_use(
            licence,
            UseKind.PRINTED,
            used_by=user.display_name,
            actor=user,
            purpose="print-out",
            disclosed=share.claims,
            reference=share.code,
        )
    return sealed
