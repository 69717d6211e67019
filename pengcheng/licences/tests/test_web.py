"""Wallet, sharing, verification pages, print-out, console issuing, CSV import and 免证办 services."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.utils import timezone

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, Conflict
from pengcheng.core.models import User
from pengcheng.licences import selectors, services
from pengcheng.licences.models import Licence, LicenceState, LicenceUse, Share, UseKind
from pengcheng.testing import make_citizen, make_staff


def _citizen_licence(code: str) -> Licence:
    citizen = User.objects.get(username="citizen")
    return Licence.objects.get(holder_identifier=citizen.id_number, licence_type__code=code)


def test_wallet_lists_the_citizens_licences(client_for, demo_city) -> None:
    page = client_for("citizen").get("/licences/wallet/").content.decode()
    assert "深圳经济特区居住证" in page and "居民身份证" in page and "机动车驾驶证" in page


def test_company_wallet_when_acting_for_the_company(client_for, demo_city) -> None:
    from pengcheng.core.models import CompanyAgent
    from pengcheng.core.selectors import ACTING_COMPANY_SESSION_KEY

    client = client_for("company")
    grant = CompanyAgent.objects.get(user__username="company")
    session = client.session
    session[ACTING_COMPANY_SESSION_KEY] = grant.company_id
    session.save()
    page = client.get("/licences/wallet/").content.decode()
    assert "营业执照" in page and "食品经营许可证" in page


def test_share_link_shows_only_chosen_items_and_is_logged(client_for, demo_city) -> None:
    licence = _citizen_licence("SZ-JZZ")
    client = client_for("citizen")
    response = client.post(
        f"/licences/wallet/{licence.pk}/",
        {"claims": ["holderName", "ageEqualOrOver.60"], "mode": "link", "minutes": "30", "purpose": "老年优待"},
    )
    assert response.status_code == 302
    share_page = client.get(response["Location"])
    assert "<svg" in share_page.content.decode()
    link = share_page.context["link"]
    verified = Client().get(link)
    result = verified.context["result"]
    assert result.outcome == "valid"
    assert set(result.subject) == {"holderName", "ageEqualOrOver"}
    assert licence.data["address"] not in verified.content.decode()
    kinds = set(LicenceUse.objects.filter(licence=licence).values_list("kind", flat=True))
    assert {UseKind.SHARED, UseKind.VERIFIED} <= kinds
    assert "老年优待" in client.get("/licences/wallet/uses/").content.decode()


def test_share_with_the_credential_in_the_qr_code(client_for, demo_city) -> None:
    licence = _citizen_licence("GA-JSZ")
    client = client_for("citizen")
    response = client.post(
        f"/licences/wallet/{licence.pk}/",
        {"claims": ["holderName", "licenceNumber"], "mode": "credential", "minutes": "5"},
    )
    page = client.get(response["Location"])
    assert page.context["payload"].count("~") >= 2 and not page.context["too_long"]
    result = Client().post("/licences/verify/", {"credential": page.context["payload"]}).context["result"]
    assert result.outcome == "valid" and set(result.subject) == {"holderName", "licenceNumber"}


def test_someone_elses_licence_is_not_in_my_wallet(client_for, demo_city) -> None:
    licence = _citizen_licence("SZ-JZZ")
    other = make_citizen()
    client = Client()
    client.force_login(other)
    assert client.get(f"/licences/wallet/{licence.pk}/").status_code == 404
    with pytest.raises(AccessDenied):
        services.create_share(other, licence, ["holderName"])


def test_expired_share_link(demo_city) -> None:
    licence = _citizen_licence("SZ-JZZ")
    share = services.create_share(User.objects.get(username="citizen"), licence, ["holderName"], minutes=5)
    Share.objects.filter(pk=share.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = Client().get(f"/licences/v/{share.code}/")
    assert (
        response.status_code == 404 and "expired" in " ".join(response.context["problems"]).lower()
    ) or "过期" in response.content.decode()
    assert Client().get("/licences/v/unknown-code/").status_code == 404


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "https://pengcheng.localhost/somewhere/else",
        "https://x/licences/v/nope/",
        "\x00\x01",
        "a" * 25_000,
    ],
)
def test_verify_page_bad_input_never_500(db, text) -> None:
    response = Client().post("/licences/verify/", {"credential": text})
    assert response.status_code in (200, 413)
    context = response.context
    assert context.get("problems") or context["form"].errors or context["result"].outcome == "invalid"


def test_printout_is_sealed_with_a_verification_qr(client_for, demo_city) -> None:
    from pengcheng.seals.services import validate_pdf

    licence = _citizen_licence("SZ-JZZ")
    response = client_for("citizen").post(f"/licences/wallet/{licence.pk}/print/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    report = validate_pdf(response.content)
    assert report.ok and report.signatures[0].organisation == "深圳市公安局"
    share = Share.objects.filter(licence=licence, purpose="print-out").get()
    assert licence.valid_until is not None and share.expires_at <= licence.valid_until
    assert LicenceUse.objects.filter(licence=licence, kind=UseKind.PRINTED).exists()


def test_console_issue_form_from_the_schema(client_for, demo_city) -> None:
    person = make_citizen(full_name="李四")
    client = client_for("clerk_scjg")
    assert "食品经营许可证" in client.get("/licences/console/issue/").content.decode()
    assert client.get("/licences/console/issue/?type=SZ-JZZ").context.get("licence_type") is None  # not their type
    from pengcheng.core.models import Company
    from pengcheng.core.seed import demo_credit_code

    company = Company.objects.create(
        credit_code=demo_credit_code(4242), name="深圳市李四餐饮店", legal_representative="李四"
    )
    bad = client.post(
        "/licences/console/issue/",
        {
            "type": "SC-SPJY",
            "holder_identifier": company.credit_code,
            "holder_name": company.name,
            "data_company_name": company.name,
        },
    )
    assert bad.status_code == 200 and "data_credit_code" in bad.context["form"].errors
    good = client.post(
        "/licences/console/issue/",
        {
            "type": "SC-SPJY",
            "holder_identifier": company.credit_code,
            "holder_name": company.name,
            "data_company_name": company.name,
            "data_credit_code": company.credit_code,
            "data_permit_scope": "预包装食品销售",
        },
    )
    assert good.status_code == 302
    licence = Licence.objects.get(holder_identifier=company.credit_code)
    assert licence.issued_by is not None and licence.issued_by.username == "clerk_scjg" and person.pk


def test_console_revoke_and_holder_is_told(client_for, demo_city) -> None:
    licence = _citizen_licence("GA-JSZ")
    clerk = make_staff("clerk", "440300-GAJ")
    client = Client()
    client.force_login(clerk)
    response = client.post(f"/licences/console/{licence.pk}/", {"state": "suspended", "reason": "记满12分"})
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.state == LicenceState.SUSPENDED
    from pengcheng.notifications.models import Notification

    assert Notification.objects.filter(recipient__username="citizen", body__contains="记满12分").exists()
    # Another department's clerk sees nothing.
    assert client_for("clerk_scjg").get(f"/licences/console/{licence.pk}/").status_code == 404


def test_csv_import_reports_every_bad_row(client_for, demo_city) -> None:
    good1, good2 = make_citizen(full_name="王一"), make_citizen(full_name="王二")
    csv_text = (
        "holder_identifier,holder_name,valid_from,valid_until,name,id_number,address,sex,issue_date,licence_no\n"
        f"{good1.id_number},王一,,,王一,{good1.id_number},深圳市福田区1号,男,,\n"
        f"440399199001011235,坏号,,,坏号,440399199001011235,深圳市,男,,\n"
        f"{good2.id_number},王二,2026-13-01,,王二,{good2.id_number},深圳市罗湖区2号,女,,\n"
        f"{good2.id_number},王二,,,王二,{good2.id_number},,,,\n"
        f"{good2.id_number},王二,,,王二,{good2.id_number},深圳市罗湖区2号,女,2024-01-01,JZZ-1\n"
    )
    gaj_clerk = make_staff("clerk", "440300-GAJ")
    client = Client()
    client.force_login(gaj_clerk)
    upload = io.BytesIO(csv_text.encode("utf-8"))
    upload.name = "jzz.csv"
    response = client.post("/licences/console/import/", {"type": "SZ-JZZ", "file": upload})
    result = response.context["result"]
    assert len(result.created) == 2
    assert [row for row, _ in result.errors] == [3, 4, 5]
    reasons = dict(result.errors)
    assert "check digit" in reasons[3] and "YYYY-MM-DD" in reasons[4] and "address" in reasons[5]
    # Bad files: wrong columns, not text.
    wrong = io.BytesIO(b"who,what\n1,2\n")
    wrong.name = "x.csv"
    errors = client.post("/licences/console/import/", {"type": "SZ-JZZ", "file": wrong}).context["form"].errors
    assert "holder_identifier" in str(errors)
    binary = io.BytesIO(b"\xff\xfe\x00\x00\x81\x82")
    binary.name = "x.csv"
    assert client.post("/licences/console/import/", {"type": "SZ-JZZ", "file": binary}).status_code == 200


def test_rotate_key_from_the_console(client_for, demo_city) -> None:
    supervisor = make_staff("supervisor", "440300-GAJ")
    client = Client()
    client.force_login(supervisor)
    page = client.get("/licences/console/keys/").content.decode()
    assert "深圳市公安局" in page
    assert client.post("/licences/console/keys/", {"department": "440300-GAJ"}).status_code == 302
    assert client_for("clerk").post("/licences/console/keys/", {"department": "440300-GAJ"}).status_code == 403


# 免证办: the service functions the applications module calls ------------------------------------------


def test_usable_licence_and_authorised_use(demo_city) -> None:
    citizen = User.objects.get(username="citizen")
    licence, reason = selectors.usable_licence(citizen, "SZ-JZZ")
    assert reason == "ok" and licence is not None
    used = services.authorise_use(
        citizen, licence, "申请：居住证签注", "福田区政务服务数据管理局", reference="application:123"
    )
    assert used.data["holderName"] == citizen.full_name and used.result.outcome == "valid"
    log = LicenceUse.objects.get(pk=used.use.pk)
    assert (log.kind, log.used_by, log.reference) == (UseKind.AUTHORISED, "福田区政务服务数据管理局", "application:123")
    # Someone else cannot authorise the use of this licence.
    with pytest.raises(AccessDenied):
        services.authorise_use(make_citizen(), licence, "x", "y")


def test_usable_licence_fallback_reasons(demo_city, residence_permit, holder, permit_data) -> None:
    assert selectors.usable_licence(holder, "SZ-JZZ") == (None, "missing")
    assert selectors.usable_licence(holder, "NO-SUCH") == (None, "unknown_type")
    start = timezone.now() - dt.timedelta(days=100)
    services.issue_licence(
        SYSTEM,
        residence_permit,
        holder,
        permit_data,
        valid_from=start,
        valid_until=start + dt.timedelta(days=10),
        source="import",
    )
    assert selectors.usable_licence(holder, "SZ-JZZ") == (None, "expired")
    current = services.issue_licence(SYSTEM, residence_permit, holder, permit_data)
    assert selectors.usable_licence(holder, "SZ-JZZ") == (current, "ok")
    services.change_state(SYSTEM, current, LicenceState.SUSPENDED, "核查中")
    assert selectors.usable_licence(holder, "SZ-JZZ") == (None, "suspended")
    with pytest.raises(Conflict):
        services.authorise_use(holder, current, "申请", "某部门")
    services.change_state(SYSTEM, current, LicenceState.REVOKED, "注销")
    assert selectors.usable_licence(holder, "SZ-JZZ") == (None, "revoked")
    assert re.match(r"^SZ-JZZ-\d{4}-[0-9A-F]{10}$", current.number)


def test_issue_by_application_supersedes_the_previous_licence(demo_city, residence_permit, holder, permit_data) -> None:
    first = services.issue_licence(SYSTEM, residence_permit, holder, permit_data)
    second = services.issue_licence(
        SYSTEM, residence_permit, holder, permit_data, source="application", source_reference="application:9"
    )
    first.refresh_from_db()
    assert first.state == LicenceState.REVOKED and second.number in first.state_reason
    assert second.source == "application"
