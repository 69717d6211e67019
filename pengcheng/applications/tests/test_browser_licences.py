"""免证办 in chromium: the citizen uses electronic licences instead of uploads, and approval issues a
renewed residence permit into the wallet."""

import re

import pytest

from pengcheng.applications.models import Application
from pengcheng.core.models import User
from pengcheng.licences.models import Licence, LicenceUse, UseKind
from pengcheng.testing import assert_accessible, browser_login, make_staff

pytestmark = pytest.mark.browser


def test_licences_instead_of_uploads_then_a_renewed_permit(page) -> None:
    citizen = User.objects.get(username="citizen")
    # This journey is the clerk's: without the demo's instant-approval rules (rules app), which would
    # approve the renewal on submission (pengcheng/rules/tests cover that path).
    from pengcheng.rules.models import RuleSet

    RuleSet.objects.filter(item_version__item__code="440300GA0001").update(state="retired")
    browser_login(page, "citizen")
    page.goto("/services/440300GA0001/")
    page.get_by_role("button", name="在线申办").click()
    # 居住证签注 is 秒报: this citizen declines pre-fill and types the form.
    page.wait_for_url(re.compile(r".*/my/applications/SZ\d+/prefill/$"))
    page.get_by_role("button", name="不同意，我自己填写").click()
    page.wait_for_url(re.compile(r".*/my/applications/SZ\d+/edit/$"))
    edit_url = page.url
    page.get_by_label("居住地址").fill("深圳市福田区福中三路2号")
    page.get_by_role("button", name="使用我的电子证照：居民身份证").click()
    page.wait_for_url(edit_url)
    assert page.get_by_label("居住地址").input_value() == "深圳市福田区福中三路2号"  # typed data kept
    page.get_by_role("button", name="使用我的电子证照：深圳经济特区居住证").click()
    page.wait_for_url(edit_url)
    main = page.locator("main").inner_text()
    assert main.count("已使用电子证照") == 2
    assert page.locator("#file-id_card").count() == 0 and page.locator("#file-residence_permit").count() == 0
    assert_accessible(page)

    permit = Licence.objects.filter(holder_identifier=citizen.id_number, licence_type__code="SZ-JZZ").get()
    page.get_by_label("申请人姓名").fill(citizen.full_name)
    page.get_by_label("公民身份号码").fill(citizen.id_number)
    page.get_by_label("联系电话").fill(citizen.phone)
    page.get_by_label("居住证号码").fill("4403990000000001")
    page.get_by_label("工作单位").fill("深圳市鹏城示范科技有限公司")
    page.get_by_label("电子证照/网上领取").check()
    page.get_by_label(re.compile("本人承诺")).check()
    page.locator("input[type=file]").first.set_input_files(
        {"name": "lease.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
    )
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r".*/my/applications/SZ\d+/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert (
        LicenceUse.objects.filter(kind=UseKind.AUTHORISED, reference__startswith=f"application:{number}").count() == 2
    )

    clerk = make_staff("clerk", "440300-GAJ")
    page.context.clear_cookies()
    browser_login(page, clerk.username)
    page.goto(f"/console/applications/{number}/")
    main = page.locator("main").inner_text()
    assert "已核验的电子证照" in main and permit.number in main
    assert_accessible(page)
    page.get_by_role("button", name="受理", exact=True).click()
    page.get_by_role("button", name="开始审查").click()
    page.get_by_role("button", name="批准", exact=True).click()
    page.wait_for_load_state()
    renewed = Licence.objects.get(source_reference=number)
    assert Application.objects.get(number=number).extensions["licence"]["number"] == renewed.number

    page.context.clear_cookies()
    browser_login(page, "citizen")
    page.goto(f"/my/applications/{number}/")
    assert renewed.number in page.locator("main").inner_text()
    page.get_by_role("link", name="打开电子证照夹").click()
    page.wait_for_url("**/licences/wallet/")
    assert renewed.number in page.locator("main").inner_text()
    assert_accessible(page)
