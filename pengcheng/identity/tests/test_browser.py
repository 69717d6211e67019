"""Login → consent → redirect in chromium, and the identity pages under axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from pengcheng.identity.tests.helpers import query
from pengcheng.testing import assert_accessible, browser_login, make_citizen, make_staff

pytestmark = pytest.mark.browser


def test_login_consent_redirect(page: Any, relying_party: Any) -> None:
    rp = relying_party(scopes="openid profile pengcheng:realname", name="深圳市住房保障系统")
    person = make_citizen()
    # An unauthenticated visit to the authorization endpoint goes to the login page and back.
    page.goto(rp.authorization_url())
    assert "/accounts/login/" in page.url
    page.fill("#id_username", person.username)
    page.fill("#id_password", "pengcheng-demo")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "允许 深圳市住房保障系统 使用您的鹏城账号？"
    assert page.get_by_text("您的实名等级和脱敏身份证号").count() == 1
    assert_accessible(page)
    page.get_by_role("button", name="允许").click()
    page.wait_for_url("**/healthz?**")
    returned = query(page.url)
    assert returned["state"] == rp.state and returned["code"]
    token = rp.exchange(page.url)
    assert rp.verify_id_token(token["id_token"])["name"] == person.full_name


def test_identity_pages_are_accessible(page: Any, relying_party: Any) -> None:
    relying_party()
    browser_login(page, "operator")  # password, then the authenticator code
    assert page.url.endswith("/console/")
    for path in ("/console/identity/clients/", "/me/sessions/", "/me/security/", "/me/applications/"):
        page.goto(path)
        assert_accessible(page)
    page.goto("/console/identity/realname/?q=citizen")
    assert_accessible(page)

    staff = make_staff("operator", "440300-ZSJ")
    page.context.clear_cookies()
    browser_login(page, staff.username)
    assert "/accounts/second-factor/enrol/" in page.url
    assert page.locator("figure.qr svg").count() == 1
    assert_accessible(page)

    page.context.clear_cookies()
    browser_login(page, make_citizen().username)
    page.goto("/me/verify/")
    assert_accessible(page)


def test_an_administrator_resets_an_authenticator_with_the_keyboard(page: Any, relying_party: Any) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    staff = make_staff("operator", "440300-ZSJ")
    TOTPDevice.objects.create(user=staff, name="lost phone", confirmed=True)
    browser_login(page, "admin")
    page.goto(f"/console/staff/?q={staff.username}")
    page.get_by_role("link", name=f"{staff.username}的身份验证器").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().endswith("的身份验证器")
    assert_accessible(page)
    page.get_by_role("checkbox").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="重置身份验证器").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("其下次登录时需重新绑定").count() == 1
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert_accessible(page)
    from pengcheng.identity.models import Client

    client = Client.objects.get(client_id=relying_party().client_id)
    page.goto(f"/console/identity/clients/{client.pk}/")  # the client settings, redirect URIs included
    assert page.get_by_label("回调地址（每行一个）").input_value() == client.redirect_uris
    assert_accessible(page)
