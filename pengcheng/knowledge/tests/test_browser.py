"""In headless chromium with axe-core: the citizens' Q&A page (also in elder mode), and an agent
taking an enquiry with the keyboard only, choosing a live suggestion and answering directly."""

import os
import tempfile
from pathlib import Path

import pytest

from pengcheng.core.actors import SYSTEM
from pengcheng.hotline.models import Status, Ticket
from pengcheng.knowledge import services
from pengcheng.testing import assert_accessible, browser_login

from .conftest import BODIES

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("PENGCHENG_SCREENSHOTS", tempfile.gettempdir()))  # for a person to look at


def _articles() -> None:
    for key, body in BODIES.items():
        services.create_article(
            SYSTEM,
            services.ArticleInput(key=f"KB-B-{key}", body=body, title="" if key != "fund" else "租房提取公积金"),
            publish=True,
        )
    services.create_article(
        SYSTEM,
        services.ArticleInput(key="KB-B-deposit", body="单位为职工缴存住房公积金的方式共四种，可在网上业务系统办理。"),
        publish=True,
    )
    gone = services.create_article(
        SYSTEM, services.ArticleInput(key="KB-B-old", body=BODIES["fund"] + "旧政策。"), publish=True
    )
    services.expire(SYSTEM, gone)


def test_citizens_search_the_answers_without_signing_in(page) -> None:
    _articles()
    page.goto("/kb/")
    assert_accessible(page)
    page.fill("#kb-q", "租房怎么提取公积金")
    page.keyboard.press("Enter")
    page.wait_for_url("**/kb/?q=*")
    first = page.locator(".kb-result").first
    assert "每月提取一次" in first.inner_text()
    assert "旧政策" not in page.locator(".kb-results").inner_text()
    assert_accessible(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "kb-public.png"), full_page=True)
    first.locator("h3 a").click()
    page.wait_for_url("**/kb/a/KB-B-fund/")
    assert_accessible(page)
    page.locator(".elder-toggle").click()  # 适老化: large type, high contrast
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    assert "每月提取一次" in page.locator(".kb-article").inner_text()
    assert_accessible(page)


def test_an_agent_answers_an_enquiry_from_a_live_suggestion_with_the_keyboard(page) -> None:
    _articles()
    browser_login(page, "agent")
    page.goto("/console/hotline/call/?phone=19900013001")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_request_type'")
    page.keyboard.press("Tab")  # request type stays 咨询 (the first choice)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("福田区园岭街道红荔社区")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("我租房住，想问公积金怎么提取")
    page.wait_for_selector("#kb-suggest-list .kb-option")
    status = page.locator("#kb-suggest-status")
    assert status.get_attribute("aria-live") == "polite"
    assert page.locator("#kb-suggest-status").inner_text().strip() != ""
    assert "KB-B-old" not in page.locator("#kb-suggest-list").inner_html()
    assert_accessible(page)
    page.keyboard.press("Alt+ArrowDown")
    assert page.evaluate("document.activeElement.dataset.key") == "KB-B-fund"
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.key") != "KB-B-fund"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "kb-answer-button"
    assert "每月提取一次" in page.locator("#kb-chosen-body").inner_text()
    assert_accessible(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "kb-intake.png"), full_page=True)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/hotline/t/*/")
    ticket = Ticket.objects.get(caller__phone="19900013001")
    assert ticket.status == Status.CLOSED and ticket.kb_answer.article.key == "KB-B-fund"
    assert_accessible(page)


def test_the_editors_console_pages_pass_axe(page) -> None:
    _articles()
    browser_login(page, "operator")  # an editor of every article
    for path in ("/console/kb/", "/console/kb/?due=1", "/console/kb/a/KB-B-fund/", "/console/kb/a/KB-B-old/"):
        page.goto(path)
        assert_accessible(page)
    page.goto("/console/kb/a/KB-B-fund/edit/")
    assert_accessible(page)
    page.fill("#id_note", "措辞")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/console/kb/a/KB-B-fund/")
    assert page.locator("details").count() == 2  # versions 2 and 1
    assert_accessible(page)
    page.goto("/console/kb/new/")
    assert_accessible(page)
