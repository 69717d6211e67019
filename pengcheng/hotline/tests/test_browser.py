"""The 12345 loop in headless chromium: a citizen reports, an agent dispatches, the department
accepts and replies, the agent closes, the citizen rates — with axe-core on every page; and an agent
takes a call with the keyboard only."""

import re

import pytest

from pengcheng.hotline.models import Channel, Rating, Status, Ticket
from pengcheng.testing import assert_accessible, browser_login

pytestmark = pytest.mark.browser


def logout(page) -> None:
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()


def test_citizen_submit_agent_dispatch_department_reply_citizen_rates(page) -> None:
    browser_login(page, "citizen")
    page.goto("/hotline/")
    assert_accessible(page)
    page.goto("/hotline/new/")
    assert_accessible(page)
    page.check("input[name=request_type][value=complaint]")
    page.fill("#id_category", "0102004")
    page.fill("#id_description", "福中三路的路灯连续三晚不亮。<b>请尽快修</b>")
    page.locator(".map-frame").scroll_into_view_if_needed()
    label = page.locator(".district-label", has_text="福田区").bounding_box()
    page.mouse.click(label["x"] + label["width"] / 2, label["y"] + label["height"] / 2)
    assert re.search(r"\d+\.\d+, \d+\.\d+ · 福田区", page.locator("#map-status").inner_text())
    assert page.locator("#id_lat").input_value() != ""
    page.locator(".report-form button[type=submit]").click()
    page.wait_for_url("**/hotline/mine/*/")
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    ticket = Ticket.objects.get(pk=int(number[6:]))
    assert ticket.channel == Channel.PORTAL and ticket.lat is not None and ticket.district_code
    assert "<b>请尽快修</b>" in page.content().replace("&lt;", "<").replace("&gt;", ">")
    assert page.locator("main b").count() == 0  # shown as text, not markup
    assert_accessible(page)
    logout(page)

    browser_login(page, "agent")
    page.goto("/console/hotline/?queue=dispatch")
    assert_accessible(page)
    page.get_by_role("link", name=number).click()
    page.wait_for_url(f"**/console/hotline/t/{number}/")
    assert_accessible(page)
    page.select_option("#id_department", label="深圳市市场监督管理局")
    page.fill("#id_note", "请核查路灯")
    page.locator("form[action$='/dispatch/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DISPATCHED
    logout(page)

    browser_login(page, "clerk_scjg")
    page.goto("/console/hotline/")
    assert_accessible(page)
    page.get_by_role("link", name=number).click()
    page.locator("form[action$='/accept/'] button").click()
    page.wait_for_load_state()
    page.fill("#reply-text", "已联系供电部门，路灯已于今日修复。")
    page.locator("form[action$='/reply/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert_accessible(page)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REPLIED
    logout(page)

    browser_login(page, "agent")
    page.goto(f"/console/hotline/t/{number}/")
    page.locator("form[action$='/close/'] button").click()
    page.wait_for_load_state()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED
    logout(page)

    browser_login(page, "citizen")
    page.goto(f"/hotline/mine/{number}/")
    assert "路灯已于今日修复" in page.locator("main").inner_text()
    assert_accessible(page)
    page.check(f"input[name=rating][value={Rating.SATISFIED}]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.status == Status.RATED and ticket.rating == Rating.SATISFIED
    assert_accessible(page)


def test_an_agent_takes_a_call_with_the_keyboard_only(page) -> None:
    browser_login(page, "agent")
    page.goto("/console/hotline/call/")
    assert_accessible(page)
    assert page.evaluate("document.activeElement.id") == "lookup-phone"
    page.keyboard.type("19900012001")
    page.keyboard.press("Enter")
    page.wait_for_url("**/call/?phone=19900012001")
    page.wait_for_load_state()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_request_type'")
    assert page.evaluate("document.activeElement.id") == "id_request_type"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # 咨询 → 求助 → 投诉
    page.keyboard.press("Tab")  # urgency stays normal
    page.keyboard.press("Tab")
    page.keyboard.type("0102004")  # category by code (the list also offers names)
    page.keyboard.press("Tab")
    page.keyboard.type("福田区园岭街道红荔社区")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # subject: taken from the description
    page.keyboard.type("红荔路上的路灯一直闪烁。")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/console/hotline/t/*/")
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.PHONE and ticket.request_type == "complaint"
    assert ticket.caller is not None and ticket.caller.phone == "19900012001"
    assert ticket.division_id == "440304002016"
    assert ticket.status == Status.DISPATCHED and ticket.lead_department is not None
    assert ticket.lead_department.code == "440304-GOV"
    assert_accessible(page)


def test_the_overview_bars_are_as_long_as_the_volumes(page) -> None:
    """Each department's bar is in proportion to the tickets it received: none for none."""
    from pengcheng.core.actors import SYSTEM
    from pengcheng.hotline import services, stats
    from pengcheng.hotline.tests.conftest import LEAD, OTHER, department, new_ticket

    for code, count in ((LEAD, 3), (OTHER, 1)):
        for _ in range(count):
            services.dispatch(SYSTEM, new_ticket(), department(code))
    refused = new_ticket()
    services.dispatch(SYSTEM, refused, department(OTHER))
    services.refuse(SYSTEM, refused, "不是本单位")  # back with the centre: a row with dispatches, none received
    stats.refresh()
    browser_login(page, "hotline_supervisor")
    page.goto("/console/hotline/overview/?by=department")
    rows = page.evaluate(
        """() => [...document.querySelectorAll('.stats-table .volume-bar')].map(bar =>
            [parseInt(bar.parentElement.textContent.trim(), 10), bar.getBoundingClientRect().width])"""
    )
    assert len(rows) > 1
    widest = max(width for _count, width in rows)
    most = max(count for count, _width in rows)
    for count, width in rows:
        assert abs(width - widest * count / most) <= 2, rows
    assert_accessible(page)
