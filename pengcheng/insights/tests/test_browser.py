"""The insights console pages in headless chromium with axe-core: hot topics, reports, the reply
review queue (reviewed with the keyboard only), and elder mode."""

import datetime as dt
import tempfile
from pathlib import Path

import pytest

from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import Role
from pengcheng.insights import services
from pengcheng.insights.models import ReplyAssessment, ReviewOutcome
from pengcheng.insights.tests.conftest import CENTRE, import_tickets
from pengcheng.insights.tests.test_hot_topics import _others, _streetlights
from pengcheng.insights.tests.test_reply_quality import BOILERPLATE, GOOD, REQUEST
from pengcheng.testing import assert_accessible, browser_login, make_staff

pytestmark = pytest.mark.browser
DAY = dt.date(2026, 3, 10)
SHOTS = Path(tempfile.gettempdir()) / "pengcheng-screenshots"  # to look at, not to commit


def _data() -> None:
    at = dt.datetime(2026, 3, 9, 10)
    import_tickets(
        _streetlights(DAY - dt.timedelta(days=1), 1)
        + _streetlights(DAY, 6)
        + _others(DAY)
        + [
            {
                "title": "望月湖路灯坏了",
                "text": REQUEST,
                "at": at,
                "reply": BOILERPLATE,
                "replied_at": at + dt.timedelta(days=2),
            },
            {
                "title": "望月湖路灯坏了",
                "text": REQUEST,
                "at": at,
                "reply": GOOD,
                "replied_at": at + dt.timedelta(days=2),
            },
        ]
    )
    services.compute_hot_topics(SYSTEM, DAY)
    services.assess_pending()
    report = services.scheduled_report("weekly", today=dt.date(2026, 3, 16))
    assert report.status == "ready"


def test_supervisor_pages_are_accessible_and_the_review_works_by_keyboard(page) -> None:
    make_staff(Role.SUPERVISOR, CENTRE, username="hotline-sup")
    _data()
    SHOTS.mkdir(exist_ok=True)
    browser_login(page, "hotline-sup")

    page.goto(f"/console/insights/hot-topics/?day={DAY}")
    assert "福中三路" in page.locator("main table").inner_text()
    assert page.locator("main h1").inner_text() == "12345 热点问题"
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "insights-hot-topics.png"), full_page=True)

    page.goto("/console/insights/reports/")
    assert page.get_by_role("link", name="PDF").count() == 1
    assert page.get_by_role("button", name="生成英语版").count() == 1  # the weekly report in English
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "insights-reports.png"), full_page=True)

    page.goto("/console/insights/replies/")
    assert "答复过短" in page.locator("main table").inner_text()
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "insights-replies.png"), full_page=True)

    page.locator("main table a").first.click()
    page.wait_for_load_state()
    assert_accessible(page)
    # keyboard only: choose "acceptable", type a note, submit
    page.locator("#o-accepted").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("历史答复，已人工核实")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/insights/replies/")
    reviewed = ReplyAssessment.objects.get(outcome=ReviewOutcome.ACCEPTED)
    assert reviewed.review_note == "历史答复，已人工核实"

    page.locator(".elder-toggle").click()
    page.wait_for_load_state()
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    page.goto(f"/console/insights/hot-topics/?day={DAY}")
    assert_accessible(page)
