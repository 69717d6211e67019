"""Sealing PDFs: pyHanko's own validator accepts the sealed file and rejects a changed byte."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, ValidationFailed
from pengcheng.core.models import Department
from pengcheng.seals import pdf, services
from pengcheng.seals.models import SealUse
from pengcheng.testing import make_staff


@pytest.fixture
def seal(demo_city):
    return services.create_seal(SYSTEM, Department.objects.get(code="440300-SCJGJ"))


@pytest.fixture
def letter() -> bytes:
    return pdf.letter(
        "准予行政许可决定书",
        "深圳市市场监督管理局",
        ["经审查，你单位的申请符合法定条件，决定准予行政许可。"],
        reference="深市监许〔2026〕1号",
        date_line="2026年11月26日",
    )


def test_the_letter_embeds_a_cjk_font(letter) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(letter))
    # pypdf reads fpdf2's two-byte ToUnicode entries with a NUL before each character (poppler does not).
    text = reader.pages[0].extract_text().replace("\x00", "")
    assert "准予行政许可决定书" in text and "深圳市市场监督管理局" in text
    fonts = reader.pages[0]["/Resources"]["/Font"]  # type: ignore[index]
    descendant = next(iter(fonts.values())).get_object()["/DescendantFonts"][0].get_object()
    assert "/FontFile3" in descendant["/FontDescriptor"] or "/FontFile2" in descendant["/FontDescriptor"]


def test_sealed_pdf_validates_with_pyhanko_and_a_changed_byte_breaks_it(seal, letter) -> None:
    sealed = services.seal_pdf(SYSTEM, seal, letter, document_name="decision.pdf", purpose="行政许可决定")
    roots = services.trust_roots()
    status = validate_pdf_signature(
        PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0],
        ValidationContext(trust_roots=roots, allow_fetching=False),
    )
    assert status.bottom_line, status.summary()
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["organization_name"] == "深圳市市场监督管理局"
    # The registry has the use, keyed by the sealed file's hash.
    use = SealUse.objects.get(seal=seal)
    assert use.document_name == "decision.pdf" and use.purpose == "行政许可决定"
    report = services.validate_pdf(sealed)
    assert report.ok and report.uses == [use]
    # Change one byte inside the signed range: the signature no longer matches.
    signed = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]
    start = signed.byte_range[1] // 2
    offset = sealed.index(b"stream", start) + 10
    tampered = sealed[:offset] + bytes([sealed[offset] ^ 0x01]) + sealed[offset + 1 :]
    broken = services.validate_pdf(tampered)
    assert not broken.ok
    assert not (broken.signatures[0].intact and broken.signatures[0].valid)


def test_a_signature_from_another_ca_is_not_trusted(seal, letter) -> None:
    sealed = services.seal_pdf(SYSTEM, seal, letter, document_name="x.pdf")
    status = validate_pdf_signature(
        PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0],
        ValidationContext(trust_roots=[], allow_fetching=False),
    )
    assert status.intact and not status.trusted


def test_only_authorised_users_may_seal(seal, letter) -> None:
    clerk = make_staff("clerk", "440300-SCJGJ")
    with pytest.raises(AccessDenied):
        services.seal_pdf(clerk, seal, letter, document_name="x.pdf")
    supervisor = make_staff("supervisor", "440300-SCJGJ")
    services.set_authorised_users(supervisor, seal, [clerk])
    assert services.seal_pdf(clerk, seal, letter, document_name="x.pdf").startswith(b"%PDF")
    outsider = make_staff("supervisor", "440300-MZJ")
    with pytest.raises(AccessDenied):
        services.set_authorised_users(outsider, seal, [outsider])


def test_a_revoked_seal_cannot_seal(seal, letter) -> None:
    from pengcheng.core.errors import Conflict

    services.revoke_seal(SYSTEM, seal, "key compromised")
    with pytest.raises(Conflict):
        services.seal_pdf(SYSTEM, seal, letter, document_name="x.pdf")


@pytest.mark.parametrize("content", [b"", b"hello", b"<html></html>", b"%PDF-1.7\n garbage", b"\x89PNG\r\n"])
def test_not_a_pdf_gets_a_clear_error(seal, content) -> None:
    with pytest.raises(ValidationFailed):
        services.validate_pdf(content)
    with pytest.raises(ValidationFailed):
        services.seal_pdf(SYSTEM, seal, content, document_name="x.pdf")


def test_oversized_pdf_is_refused_before_parsing(seal) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.validate_pdf(b"%PDF-" + b"0" * (services.MAX_PDF_BYTES + 1))
    assert "MB" in str(caught.value.field_errors["file"][0])


def test_verification_page(client, seal, letter) -> None:
    sealed = services.seal_pdf(SYSTEM, seal, letter, document_name="decision.pdf")
    response = client.post("/seals/verify/", {"file": io.BytesIO(sealed)})
    assert response.status_code == 200
    assert response.context["report"].ok
    garbage = io.BytesIO(b"not a pdf")
    garbage.name = "x.pdf"
    response = client.post("/seals/verify/", {"file": garbage})
    assert response.status_code == 200 and "file" in response.context["form"].errors


def test_registry_shows_uses_to_the_department(client_for, seal, letter) -> None:
    services.seal_pdf(SYSTEM, seal, letter, document_name="decision.pdf")
    response = client_for("clerk_scjg").get(f"/seals/{seal.pk}/")
    assert response.status_code == 200
    assert "decision.pdf" in response.content.decode()
    assert client_for("clerk").get(f"/seals/{seal.pk}/").status_code == 404  # another department's seal
