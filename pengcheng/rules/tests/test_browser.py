"""秒批 in chromium, with axe-core: an applicant over 80 is approved on the spot and sees why; a
supervisor edits rules (errors with position), tests and publishes them; the operator's figures and
policies; the citizen's matched policies and consent (also in elder mode)."""

import datetime as dt
import re

import pytest

from pengcheng.applications.models import Application, State
from pengcheng.rules.models import RuleSet, RuleSetState
from pengcheng.rules.tests.conftest import elder
from pengcheng.testing import assert_accessible, browser_login, make_staff

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_an_applicant_over_80_is_approved_on_the_spot(page) -> None:
    citizen = elder(dt.date(1940, 3, 1))
    browser_login(page, citizen.username)
    page.goto("/services/440304MZ1001/")
    page.get_by_role("button", name="在线申办").click()
    # 高龄津贴 is also 秒报: the consent screen comes first; this applicant types everything.
    page.wait_for_url(re.compile(r".*/my/applications/SZ\d+/prefill/$"))
    page.get_by_role("button", name="不同意，我自己填写").click()
    page.wait_for_url(re.compile(r".*/my/applications/SZ\d+/edit/$"))
    page.get_by_label("申请人姓名").fill(citizen.full_name)
    page.get_by_label("公民身份号码").fill(citizen.id_number)
    page.get_by_label("联系电话").fill(citizen.phone)
    page.get_by_label("出生日期").fill("1940-03-01")
    page.get_by_label("户籍地址").fill("深圳市福田区福中三路1号")
    page.get_by_label("开户银行").fill("示例银行")
    page.get_by_label("银行账号").fill("6222020200112233445")
    page.get_by_label("电子证照/网上领取").check()
    page.get_by_label(re.compile("本人承诺")).check()
    page.locator("#file-id_card").set_input_files({"name": "id.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.locator("#file-household_register").set_input_files(
        {"name": "hk.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r".*/my/applications/SZ\d+/$"))
    panel = page.locator("section.decision")
    assert "规则即时批准" in panel.inner_text() and "年满 80 周岁" in panel.inner_text()
    panel.locator("summary").click()
    assert "eligible" in panel.inner_text() and "1940-03-01" in panel.inner_text()
    assert_accessible(page)
    page.screenshot(path="/tmp/rules-decision.png", full_page=True)
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert Application.objects.get(number=number).state == State.APPROVED


def test_a_supervisor_edits_tests_and_publishes_rules(page) -> None:
    supervisor = make_staff("supervisor", "440304-ZSJ")
    browser_login(page, supervisor.username)
    page.goto("/console/rules/")
    assert_accessible(page)
    page.get_by_label("为以下编码的事项新建规则集").fill("440304MZ1006")
    page.get_by_role("button", name="查找事项").click()
    page.get_by_role("link", name=re.compile("440304MZ1006")).click()
    page.wait_for_url(re.compile(r".*/console/rules/new/\d+/$"))
    page.get_by_label("规则键").first.fill("senior")
    page.get_by_label("条件（CEL）").first.fill("years_between(registry.population.birth_date, today) >=")
    page.get_by_label("向申请人说明的理由（中文）").first.fill("年满 60 周岁")
    page.get_by_label("名称").first.fill("七十岁")
    page.get_by_label("输入（JSON）").first.fill(
        '{"registry": {"population": {"birth_date": "1956-01-01"}}, "today": "2026-11-27"}'
    )
    page.get_by_role("button", name="保存草稿").click()
    summary = page.locator("#error-summary")
    assert "第 1 行" in summary.inner_text() and "第 54 列" in summary.inner_text()
    assert_accessible(page)
    page.screenshot(path="/tmp/rules-editor-error.png", full_page=True)
    page.get_by_label("条件（CEL）").first.fill("years_between(registry.population.birth_date, today) >= 60")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(re.compile(r".*/console/rules/\d+/$"))
    assert "通过" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="发布").click()
    page.wait_for_load_state()
    rule_set = RuleSet.objects.filter(item_version__item__code="440304MZ1006").order_by("-number").first()
    assert rule_set is not None and rule_set.state == RuleSetState.PUBLISHED
    page.goto(f"/console/rules/{rule_set.pk}/simulate/")
    page.get_by_role("button", name="运行模拟").click()
    page.wait_for_load_state()
    assert "将改变的决定" in page.locator("main").inner_text()
    assert_accessible(page)


def test_operator_figures_and_policies(page) -> None:
    browser_login(page, "operator")
    page.goto("/console/instant-services/")
    text = page.locator("main").inner_text()
    assert "秒批" in text and "440300GA0001" in text
    assert_accessible(page)
    page.screenshot(path="/tmp/rules-stats.png", full_page=True)
    page.goto("/console/policies/")
    assert "高龄老人津贴" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="新建政策").click()
    page.locator("#p-code").fill("browser-test")
    page.locator("#p-name").fill("浏览器测试政策")
    page.locator("#p-department").fill("440300-MZJ")
    page.locator("#p-summary").fill("测试")
    page.locator("#p-expression").fill("declared.x >")
    page.get_by_role("button", name="保存").click()
    assert "第 1 行" in page.locator("#error-summary").inner_text()
    assert_accessible(page)
    page.locator("#p-expression").fill("has(declared.disabled) && declared.disabled")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/console/policies/")
    assert "浏览器测试政策" in page.locator("main").inner_text()


def test_citizen_policies_and_consent_in_elder_mode(page) -> None:
    browser_login(page, "citizen")
    page.goto("/my/policies/")
    assert_accessible(page)
    page.get_by_role("button", name="长者模式").first.click()
    page.wait_for_load_state()
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    consent = page.get_by_label("我同意将申报信息用于为我匹配政策")
    assert consent.is_checked()
    consent.uncheck()
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert not page.get_by_label("我同意将申报信息用于为我匹配政策").is_checked()
    assert "撤回同意。" in page.locator("main").inner_text()
    assert_accessible(page)
    page.screenshot(path="/tmp/rules-my-policies.png", full_page=True)
