"""The classifier console in headless chromium with axe-core: versions, the warning for an unusable
model, the auto-dispatch form operated by keyboard, rollback; and the suggestions on the
dispatcher's ticket page."""

import os

import pytest

from pengcheng.nlp import services, store
from pengcheng.nlp.models import ClassifierSettings, ModelVersion, VersionStatus
from pengcheng.nlp.tests.factories import SMALL, dispatched_tickets, ticket, world
from pengcheng.testing import assert_accessible, browser_login

pytestmark = pytest.mark.browser
SCREENSHOTS = os.environ.get("PENGCHENG_SCREENSHOTS", "")


def test_supervisor_manages_the_classifier(page, model_dir) -> None:
    place = world()
    dispatched_tickets(place)
    for _ in range(2):
        services.promote_if_no_worse(place.supervisor, services.train_candidate(place.supervisor, options=SMALL))
    browser_login(page, place.supervisor.username)
    page.goto("/console/hotline/classifier/")
    assert page.locator("h1").inner_text() == "12345 分类模型"
    assert page.locator("table tbody tr").first.locator("td").nth(1).inner_text() == "使用中"
    assert_accessible(page)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/nlp-console.png", full_page=True)

    page.focus("#auto-dispatch")
    page.keyboard.press("Space")
    page.fill("#threshold", "0.75")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "自动派单设置已保存" in page.locator(".messages").inner_text()
    row = ClassifierSettings.objects.get()
    assert row.auto_dispatch and row.threshold == 0.75

    with page.expect_navigation():
        page.get_by_role("button", name="回滚到上一版本").click()
    assert ModelVersion.objects.get(version=1).status == VersionStatus.ACTIVE
    assert_accessible(page)

    # A damaged active model: the console says so, and dispatchers see no suggestions.
    (model_dir / ModelVersion.objects.get(version=1).file_name).write_bytes(b"damaged")
    store.forget()
    page.goto("/console/hotline/classifier/")
    assert "无法使用" in page.locator(".warning").inner_text()
    assert_accessible(page)

    page.goto("/console/hotline/classifier/v2/")
    assert_accessible(page)


def test_dispatcher_sees_top_three_suggestions(page) -> None:
    place = world()
    dispatched_tickets(place)
    services.promote_if_no_worse(place.supervisor, services.train_candidate(place.supervisor, options=SMALL))
    new = ticket(place, "龙华区深夜工地施工噪音太大，吵得睡不着", "complaint", "0301")
    browser_login(page, place.dispatcher.username)
    page.goto(f"/console/hotline/t/{new.number}/")
    items = page.locator(".suggestions li")
    assert items.count() == 3
    assert place.departments["STHJJ"].name in items.first.inner_text()
    assert "分类模型 v1 · 类型：投诉" in items.first.inner_text()
    assert_accessible(page)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/nlp-suggestions.png", full_page=True)
    # One click dispatches as suggested; the category the model chose comes with it.
    with page.expect_navigation():
        items.first.get_by_role("button").click()
    new.refresh_from_db()
    assert new.lead_department == place.departments["STHJJ"]
    assert new.status == "dispatched"
