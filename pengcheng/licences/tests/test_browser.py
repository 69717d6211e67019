"""Wallet → QR code → verification page in headless chromium, with axe-core on each page."""

import pytest

from pengcheng.testing import assert_accessible, browser_login

pytestmark = pytest.mark.browser


def test_wallet_to_qr_to_verification(page) -> None:
    browser_login(page, "citizen")
    page.goto("/licences/wallet/")
    assert_accessible(page)
    page.locator(".licence-card", has_text="深圳经济特区居住证").get_by_role("link").click()
    page.wait_for_load_state()
    assert_accessible(page)
    # Show only the name and "age 60 or over"; keyboard-check a box to prove it is operable.
    page.locator("input[value=licenceNumber]").uncheck()
    page.locator("input[value='ageEqualOrOver.60']").focus()
    page.keyboard.press("Space")
    page.locator("input[value=link]").check()
    page.locator("form.stack-form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator(".qr svg").count() == 1
    assert_accessible(page)
    link = page.locator("#share-link").get_attribute("href")
    assert link and "/licences/v/" in link

    # A verifier opens the link (what scanning the QR code does).
    page.goto(link)
    outcome = page.locator("#outcome")
    assert "outcome-valid" in (outcome.get_attribute("class") or "")
    text = outcome.inner_text()
    assert "陈小明" in text and "深圳市公安局" in text
    assert "福田" not in text  # the address was not chosen
    assert_accessible(page)

    # The same presentation pasted into the public verification page, tampered: invalid.
    page.goto(link.replace("/licences/v/", "/licences/v/x"))
    assert page.locator("[role=alert]").count() >= 1
    page.goto("/licences/verify/")
    page.fill("#id_credential", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert "outcome-invalid" in (page.locator("#outcome").get_attribute("class") or "")
    assert_accessible(page)

    # The use shows in the holder's wallet log.
    page.goto("/licences/wallet/uses/")
    assert page.locator("table tbody tr").count() >= 2
    assert_accessible(page)


def test_console_issue_and_seal_pages_are_accessible(page) -> None:
    browser_login(page, "clerk_scjg")
    page.goto("/licences/console/")
    assert_accessible(page)
    page.goto("/licences/console/issue/")
    page.select_option("#f-type", "SC-YYZZ")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#id_data_credit_code").count() == 1
    page.locator("main form button[type=submit]").click()  # empty: every required field is reported
    page.wait_for_load_state()
    assert page.locator(".errorlist").count() >= 3
    assert_accessible(page)
    page.goto("/licences/console/import/")
    assert_accessible(page)
    page.goto("/seals/")
    assert_accessible(page)
    page.goto("/seals/verify/")
    assert_accessible(page)
    page.goto("/licences/types/")
    assert_accessible(page)
