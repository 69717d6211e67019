"""Staff second factor (TOTP with recovery codes, lockout) and the sessions page."""

from __future__ import annotations

import re

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from pengcheng.audit.models import AuditRecord
from pengcheng.core.models import Role
from pengcheng.identity.models import AccountSession
from pengcheng.seeding import DEMO_PASSWORD
from pengcheng.testing import make_citizen, make_staff, totp_code


def _password(client: Client, username: str, password: str = DEMO_PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password, "next": "/console/"})


def test_operator_needs_the_code_after_the_password(demo_city: None) -> None:
    client = Client()
    response = _password(client, "operator")
    assert response["Location"] == "/accounts/second-factor/"
    assert client.get("/console/").status_code == 302  # not signed in yet
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/second-factor/", {"token": "000000"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    done = client.post("/accounts/second-factor/", {"token": totp_code("operator")})
    assert done.status_code == 302 and done["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    session = AccountSession.objects.get(session_key=client.session.session_key)
    assert session.second_factor
    actions = list(AuditRecord.objects.order_by("-id").values_list("action", flat=True)[:3])
    assert "account.login" in actions


def test_repeated_wrong_codes_lock_the_account(demo_city: None) -> None:
    staff = make_staff(Role.OPERATOR, "440300-ZSJ")
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client = Client()
    _password(client, staff.username)
    for _ in range(5):
        client.post("/accounts/second-factor/", {"token": "123456"})
    locked = client.post("/accounts/second-factor/", {"token": totp_code(staff.username)})
    assert locked.status_code == 429
    # The password alone no longer gets in either.
    assert _password(Client(), staff.username).status_code == 429
    assert AuditRecord.objects.filter(action="account.login_failed", summary=staff.username).count() >= 5


def test_new_operator_enrols_then_uses_a_recovery_code(demo_city: None) -> None:
    staff = make_staff(Role.OPERATOR, "440300-ZSJ")
    client = Client()
    assert _password(client, staff.username)["Location"] == "/accounts/second-factor/enrol/"
    page = client.get("/accounts/second-factor/enrol/")
    html = page.content.decode()
    assert "<svg" in html and page.context["secret"]
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    code = f"{TOTP(device.bin_key).token():06d}"
    done = client.post("/accounts/second-factor/enrol/", {"token": code})
    codes = done.context["codes"]
    assert len(codes) == 10 and all(re.fullmatch(r"\d{8}", c) for c in codes)
    assert client.get("/console/").status_code == 200

    again = Client()
    _password(again, staff.username)
    assert again.post("/accounts/second-factor/", {"token": codes[0]})["Location"] == "/console/"
    reuse = Client()
    _password(reuse, staff.username)
    assert reuse.post("/accounts/second-factor/", {"token": codes[0]}).status_code == 200  # used up


def test_a_session_without_the_second_factor_is_sent_to_it(demo_city: None) -> None:
    client = Client()
    client.force_login(make_staff(Role.ADMIN, "440300-ZSJ"))
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/second-factor/enrol/?next=")
    assert client.get("/me/").status_code == 200  # the portal stays open


def test_citizens_and_clerks_log_in_without_a_code(demo_city: None) -> None:
    client = Client()
    assert _password(client, "clerk")["Location"] == "/console/"


def test_sessions_page_and_sign_out_everywhere(demo_city: None) -> None:
    person = make_citizen()
    laptop, phone = (
        Client(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36"),
        Client(
            HTTP_USER_AGENT="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile Safari/604.1"
        ),
    )
    for client in (laptop, phone):
        _password(client, person.username)
    page = laptop.get("/me/sessions/").content.decode()
    assert "Chrome 120" in page and "iOS" in page
    other = AccountSession.objects.get(session_key=phone.session.session_key)
    assert laptop.post(f"/me/sessions/{other.pk}/end/").status_code == 302
    assert phone.get("/me/").status_code == 302  # signed out

    _password(phone, person.username)
    assert laptop.post("/me/sessions/end-all/").status_code == 302
    assert laptop.get("/me/").status_code == 302 and phone.get("/me/").status_code == 302
    assert not AccountSession.objects.filter(user=person, ended_at__isnull=True).exists()
    assert AuditRecord.objects.filter(action="account.signed_out_everywhere", actor_id=person.pk).exists()


def test_account_page_links_to_the_identity_pages(demo_city: None) -> None:
    client = Client()
    client.force_login(make_citizen())
    html = client.get("/me/").content.decode()
    for url in ("/me/applications/", "/me/sessions/", "/me/security/", "/me/verify/"):
        assert url in html


def test_reset_second_factor_sends_the_user_to_enrol_again(demo_city: None) -> None:
    from io import StringIO

    from django.core.management import call_command

    staff = make_staff(Role.OPERATOR, "440300-ZSJ")
    TOTPDevice.objects.create(user=staff, name="lost phone", confirmed=True)
    call_command("reset_second_factor", staff.username, stdout=StringIO())
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert _password(Client(), staff.username)["Location"] == "/accounts/second-factor/enrol/"
    assert AuditRecord.objects.filter(action="account.mfa_reset", object_id=str(staff.pk)).exists()


def test_an_administrator_resets_a_lost_authenticator_in_the_console(demo_city: None) -> None:
    from pengcheng.testing import login_client

    staff = make_staff(Role.OPERATOR, "440300-ZSJ")
    TOTPDevice.objects.create(user=staff, name="lost phone", confirmed=True)
    page = f"/console/identity/accounts/{staff.pk}/second-factor/"
    assert login_client("clerk").get(page).status_code == 403
    assert login_client("clerk").post(page, {"confirm": "yes"}).status_code == 403
    assert TOTPDevice.objects.filter(user=staff).exists()

    admin = login_client("admin")
    assert f'href="{page}"' in admin.get("/console/staff/", {"q": staff.username}).content.decode()
    shown = admin.get(page)
    assert shown.status_code == 200 and shown.context["totp"] is not None
    unconfirmed = admin.post(page, follow=True)  # the box not ticked: nothing is removed
    assert TOTPDevice.objects.filter(user=staff).exists() and unconfirmed.status_code == 200
    done = admin.post(page, {"confirm": "yes"})
    assert done.status_code == 302 and not TOTPDevice.objects.filter(user=staff).exists()
    assert AuditRecord.objects.filter(action="account.mfa_reset", object_id=str(staff.pk)).exists()
    assert _password(Client(), staff.username)["Location"] == "/accounts/second-factor/enrol/"
    assert admin.get("/console/identity/accounts/999999/second-factor/").status_code == 404
