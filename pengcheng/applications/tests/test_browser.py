"""The citizen journey and the kiosk in headless chromium, with axe-core on the key pages."""

import re

import pytest
from django.test import override_settings

from pengcheng.applications.models import Application, State
from pengcheng.core.models import User
from pengcheng.testing import assert_accessible, browser_login

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def scan(name: str = "scan.pdf") -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def fill_old_age_allowance(page, citizen: User) -> None:
    page.get_by_label("申请人姓名").fill(citizen.full_name)
    page.get_by_label("公民身份号码").fill(citizen.id_number)
    page.get_by_label("联系电话").fill(citizen.phone)
    page.get_by_label("出生日期").fill("1940-05-01")
    page.get_by_label("户籍地址").fill("深圳市福田区福中三路1号")
    page.get_by_label("开户银行").fill("示例银行")
    page.get_by_label("银行账号").fill("6222020200112233445")
    page.get_by_label("电子证照/网上领取").check()
    page.get_by_label(re.compile("本人承诺")).check()
    page.locator("#file-id_card").set_input_files(scan("id.pdf"))
    page.locator("#file-household_register").set_input_files(scan("hukou.pdf"))


def test_citizen_journey_from_search_to_result(page) -> None:
    citizen = User.objects.get(username="citizen")
    browser_login(page, "citizen")

    page.goto("/services/")
    page.get_by_label("您想办什么事？").fill("高龄津贴")
    page.locator("#s-district").select_option("440304")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_role("link", name="高龄老人津贴申领").first.click()
    page.wait_for_url("**/services/440304MZ1001/")
    assert_accessible(page)
    page.get_by_role("button", name="在线申办").click()
    # 高龄津贴 is 秒报: the consent screen comes first; this citizen types everything instead.
    page.wait_for_url(re.compile(r".*/my/applications/SZ\d+/prefill/$"))
    page.get_by_role("button", name="不同意，我自己填写").click()
    page.wait_for_url(re.compile(r".*/my/applications/SZ\d+/edit/$"))
    assert_accessible(page)

    # The browser refuses an incomplete form before it is sent (HTML constraints).
    page.get_by_role("button", name="提交申请").click()
    assert page.evaluate("document.querySelector('#f-applicant_name').validity.valid") is False
    fill_old_age_allowance(page, citizen)
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r".*/my/applications/SZ\d+/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert "已提交" in page.locator("main").inner_text()
    assert_accessible(page)

    page.context.clear_cookies()
    browser_login(page, "clerk")
    page.goto("/console/applications/")
    assert_accessible(page)
    page.get_by_role("link", name=number).click()
    page.get_by_role("button", name="受理", exact=True).click()
    page.get_by_role("button", name="开始审查").click()
    page.get_by_label("办理结果（如证照编号或核发金额）").fill("准予发放，每月 200 元")
    page.get_by_role("button", name="批准", exact=True).click()
    page.wait_for_load_state()
    assert "已批准" in page.locator("main").inner_text()
    assert Application.objects.get(number=number).state == State.APPROVED

    page.context.clear_cookies()
    browser_login(page, "citizen")
    page.goto(f"/my/applications/{number}/")
    text = page.locator("main").inner_text()
    assert "已批准" in text and "准予发放，每月 200 元" in text
    assert "受理" in text and "开始审查" in text
    page.goto("/inbox/")
    assert f"您的申请 {number} 已获批准" in page.locator("main").inner_text()


def test_kiosk_search_card_login_apply_track_and_idle_reset(page) -> None:
    citizen = User.objects.get(username="citizen")
    with override_settings(
        PENGCHENG_CARD_READER="pengcheng.applications.kiosk.SimulatedCardReader", PENGCHENG_KIOSK_IDLE_SECONDS=60
    ):
        page.set_viewport_size({"width": 1080, "height": 1920})
        page.goto("/kiosk/")
        assert_accessible(page)
        page.get_by_role("searchbox", name="搜索服务事项").fill("高龄")
        page.get_by_role("button", name="搜索").click()
        assert page.get_by_role("link", name=re.compile("高龄老人津贴申领")).count() >= 1
        assert_accessible(page)
        page.goto("/kiosk/services/440304MZ1001/")
        page.get_by_role("button", name="刷身份证登录后申办").click()
        page.wait_for_url("**/kiosk/services/440304MZ1001/")
        assert citizen.full_name in page.locator("header").inner_text()
        page.get_by_role("button", name="立即申办").click()
        page.wait_for_url("**/prefill/")  # 秒报: the kiosk asks first, in large type
        assert_accessible(page)
        decline = page.get_by_role("button", name="不同意，我自己填写")
        size = decline.bounding_box()
        assert size is not None and size["height"] >= 64
        decline.focus()
        page.keyboard.press("Enter")  # keyboard works as well as touch
        page.wait_for_url("**/kiosk/services/440304MZ1001/apply/")
        assert_accessible(page)
        size = page.locator("button.kiosk-button.large").first.bounding_box()
        assert size is not None and size["height"] >= 64
        fill_old_age_allowance(page, citizen)
        page.get_by_role("button", name="提交申请").click()
        page.wait_for_url(re.compile(r".*/kiosk/applications/SZ\d+/$"))
        assert "已提交" in page.locator("main").inner_text()
        page.get_by_role("link", name="返回").click()
        assert "高龄老人津贴申领" in page.locator("main").inner_text()
        assert Application.objects.get(applicant=citizen).channel == "kiosk"

    with override_settings(
        PENGCHENG_CARD_READER="pengcheng.applications.kiosk.SimulatedCardReader", PENGCHENG_KIOSK_IDLE_SECONDS=4
    ):
        page.goto("/kiosk/applications/")
        page.locator("#idle-warning").wait_for(state="visible", timeout=5000)
        page.wait_for_url("**/kiosk/", timeout=10000)
        page.get_by_role("button", name=re.compile("刷身份证登录")).wait_for()
        page.goto("/kiosk/applications/")
        page.wait_for_url("**/kiosk/")  # signed out: tracking needs the card again
