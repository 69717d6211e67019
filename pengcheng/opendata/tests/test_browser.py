"""Search → dataset → preview → download in a real browser, with axe checks on each page."""

from __future__ import annotations

from typing import Any

import pytest

from pengcheng.opendata.tests.factories import parking_dataset
from pengcheng.testing import assert_accessible, browser_login

pytestmark = pytest.mark.browser


def test_search_dataset_preview_download(page: Any) -> None:
    dataset, _version = parking_dataset(rows=60)
    page.goto("/data/")
    assert_accessible(page)
    page.fill("#od-q", "停车")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.click(".od-facets a:has-text('CSV')")
    page.wait_for_load_state("networkidle")
    assert "1" in page.inner_text("#results-title")
    assert_accessible(page)
    page.click(f"text={dataset.title}")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("h1") == dataset.title
    assert "package_show?id=parking" in page.inner_text("#api")
    assert_accessible(page)
    page.click("#resources h3 a")
    page.wait_for_load_state("networkidle")
    rows = page.locator("table.od-preview tbody tr")
    assert rows.count() == 50
    page.select_option("#p-field", "所属区")
    page.fill("#p-value", "南山区")
    page.click("#preview form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("table.od-preview tbody tr").count() == 20
    assert "20" in page.inner_text("#preview [role=status]")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.click(".od-downloads a:has-text('CSV')")
    path = download_info.value.path()
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "名称,所属区,泊位数,收费,开放日期"
    assert len(text.splitlines()) == 61


def test_developer_page_issues_a_key(page: Any) -> None:
    browser_login(page, "dataofficer")
    page.goto("/data/developer/")
    assert_accessible(page)
    page.fill("#key-name", "我的应用")
    page.click("form[action$='/developer/keys/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    key = page.inner_text("code.od-key")
    assert key.startswith("pck_")
    assert_accessible(page)
