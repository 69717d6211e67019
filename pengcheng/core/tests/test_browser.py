"""The portal in headless chromium: language switch, elder mode, keyboard, axe-core."""

import re

import pytest

from pengcheng.testing import assert_accessible, browser_login

pytestmark = pytest.mark.browser


def test_home_language_switch_and_elder_mode(page) -> None:
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "深圳一网通办"
    assert_accessible(page)

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "One-stop government services for Shenzhen"

    size_before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_role("button", name="Elder mode").click()
    page.wait_for_load_state()
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    assert page.get_by_role("button", name="Elder mode").get_attribute("aria-pressed") == "true"
    size_after = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert size_after >= size_before * 1.3
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(0, 0, 0)"  # high contrast
    assert_accessible(page)

    # Remembered by this browser on the next visit.
    page.goto("/accounts/login/")
    assert "elder" in (page.locator("html").get_attribute("class") or "")


def test_login_page_is_accessible_and_keyboard_operable(page) -> None:
    page.goto("/")
    # The first Tab reaches the skip link, which moves focus to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.goto("/accounts/login/")
    assert_accessible(page)
    # The user name field has focus on arrival; the rest is typed without the mouse.
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.type("clerk")
    page.keyboard.press("Tab")
    page.keyboard.type("pengcheng-demo")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/")
    assert page.locator("h1").inner_text() == "工作台"
    assert_accessible(page)


def test_operator_console_and_admin(page) -> None:
    browser_login(page, "operator")
    for path in ("/console/staff/", "/console/departments/", "/console/calendar/", "/console/audit/"):
        page.goto(path)
        assert_accessible(page)
    page.goto("/admin/")
    assert page.locator("#site-name").inner_text() == "鹏城 Pengcheng"


def test_company_agents_page_by_keyboard(page) -> None:
    """The legal representative adds an agent, gives the data consent mandate and revokes the agent
    without the mouse, on pages axe-core finds no fault with."""
    from pengcheng.core.models import AssuranceLevel
    from pengcheng.testing import make_citizen

    person = make_citizen(full_name="键盘经办", assurance_level=AssuranceLevel.L2)
    browser_login(page, "company")
    page.goto("/me/")
    page.get_by_role("link", name="深圳市鹏城示范科技有限公司的经办人管理").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/agents/")
    assert page.locator("h1").inner_text().startswith("经办人管理")
    assert_accessible(page)

    page.get_by_label("真实姓名").focus()
    page.keyboard.type("键盘经办")
    page.keyboard.press("Tab")  # the name, then the number, in reading order
    page.keyboard.type(person.id_number or "")
    page.keyboard.press("Enter")
    page.locator(".messages").wait_for()
    assert "键盘经办可以代表" in page.locator(".messages").inner_text()
    assert_accessible(page)

    page.get_by_role("button", name=re.compile("授予数据授权委托.*键盘经办")).focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name=re.compile("撤回数据授权委托.*键盘经办")).wait_for()
    assert "已授予键盘经办" in page.locator(".messages").inner_text()

    page.get_by_role("link", name=re.compile("撤销授权.*键盘经办")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/revoke/")
    assert_accessible(page)
    page.get_by_role("button", name="确定撤销授权").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/agents/")
    assert "键盘经办已不再代表" in page.locator(".messages").inner_text()
    assert page.get_by_role("link", name=re.compile("撤销授权.*键盘经办")).count() == 0


def test_the_api_docs_render_from_our_static_files(page) -> None:
    """Swagger UI loads with no CDN and its colours pass axe-core's contrast check. Two rules are left
    out: Swagger UI's own markup nests its copy button in the operation button and jumps from h1 to h3."""
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() > 50 and not failed
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    from axe_playwright_python.sync_playwright import Axe

    swagger_markup = {"nested-interactive": {"enabled": False}, "heading-order": {"enabled": False}}
    results = Axe().run(page, options={"rules": swagger_markup})
    assert results.violations_count == 0, results.generate_report()


def test_pages_fit_a_phone_screen(page) -> None:
    """At 390 px nothing widens the page, in elder mode neither: a wide table scrolls inside its own
    labelled region, cards and long identifiers wrap."""
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, "company")
    company_agents = page.locator("a[href*='/agents/']").first.get_attribute("href")
    for url in ("/me/", "/me/sessions/", company_agents, "/my/applications/", "/licences/wallet/", "/services/"):
        page.goto(url)
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{url} is {wide}px wider than the screen"
    # Elder mode's large type too (适老化 users are often on a phone).
    page.get_by_role("button", name="长者模式").click()
    page.wait_for_load_state()
    for url in ("/me/", "/me/sessions/", company_agents, "/licences/wallet/", "/data/developer/"):
        page.goto(url)
        assert "elder" in (page.locator("html").get_attribute("class") or "")
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{url} in elder mode is {wide}px wider than the screen"
    page.goto("/me/sessions/")
    region = page.locator(".table-scroll")
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # the table does scroll in its region
    assert region.get_attribute("tabindex") == "0"  # so a keyboard can scroll it
    assert_accessible(page)
