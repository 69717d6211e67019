"""秒报 in chromium: the consent screen, the pre-filled form with verified fields, and who used my data,
checked with axe-core (also in elder mode) and operated by keyboard."""

import os
import re
from pathlib import Path

import pytest

from pengcheng.applications.models import Application
from pengcheng.core.models import Role, User
from pengcheng.prefill.models import DataUse
from pengcheng.testing import assert_accessible, browser_login, make_staff

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("PENGCHENG_SCREENSHOTS", "/tmp/pengcheng-screenshots"))


def test_consent_prefilled_form_and_who_used_my_data(page) -> None:
    citizen = User.objects.get(username="citizen")
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser_login(page, "citizen")
    page.goto("/services/440300RS0001/")  # 新引进人才租房和生活补贴
    page.get_by_role("button", name="在线申办").click()
    page.wait_for_url(re.compile(r".*/my/applications/SZ\d+/prefill/$"))
    main = page.locator("main").inner_text()
    assert "深圳市公安局" in main and "深圳市教育局" in main and "深圳市人力资源和社会保障局" in main
    assert "用途" in main
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "prefill-consent.png"), full_page=True)

    # Keyboard: the agree button is reachable and activates with Enter.
    agree = page.get_by_role("button", name="同意并自动填写")
    agree.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/my/applications/SZ\d+/edit/$"))
    name = page.get_by_label("申请人姓名")
    assert name.input_value() == citizen.full_name and name.get_attribute("readonly") is not None
    assert page.locator("#f-education").is_disabled()  # a verified choice
    assert page.locator("#f-education").input_value() == "master"
    assert page.get_by_label("开户银行").get_attribute("readonly") is None  # not from a registry
    assert page.locator("main .verified").count() >= 5
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "prefill-form.png"), full_page=True)

    number = page.url.rstrip("/").split("/")[-2]
    page.goto("/my/data-uses/")
    table = page.locator("main table").inner_text()
    assert number in table and "深圳市教育局" in table
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "prefill-uses.png"), full_page=True)

    page.get_by_role("button", name="长者模式").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.goto("/my/consents/")
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "prefill-consents.png"), full_page=True)
    page.get_by_role("button", name=re.compile("撤回授权")).click()
    page.wait_for_load_state()
    assert "已撤回" in page.locator("main table").inner_text()
    application = Application.objects.get(number=number)
    assert "applicant_name" not in application.form_data
    assert DataUse.objects.filter(application=application).count() == 3

    # The education bureau's data officer sees the fetch from its registry, with the subject masked.
    officer = make_staff(Role.DATA_OFFICER, "440300-JYJ")
    page.context.clear_cookies()
    browser_login(page, officer.username)
    page.goto("/console/registry-uses/")
    table = page.locator("main table").inner_text()
    assert "学历库" in table and "人口库" not in table and (citizen.id_number or "") not in table
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "prefill-registry-uses.png"), full_page=True)
