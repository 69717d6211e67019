"""Shared fixtures. Tests run on a real database: SQLite by default, PostgreSQL with DATABASE_URL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("PENGCHENG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Password hashing at full strength costs ~0.3 s per account; tests need only a valid hash."""
    from django.conf import settings
    from django.test.utils import override_settings

    # Hashers of the project's own (e.g. for OAuth client secrets) stay available.
    own = [hasher for hasher in settings.PASSWORD_HASHERS if hasher.startswith("pengcheng.")]
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher", *own]):
        yield


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> Iterator[None]:
    """A test's rolled-back changes must not linger in process-wide caches (the holiday calendar,
    the classifier settings ticket intake reads)."""
    yield
    from pengcheng.nlp.services import forget_settings
    from pengcheng.workdays.selectors import invalidate

    invalidate()
    forget_settings()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """The demo city (divisions, departments, demo accounts) is seeded once for the whole session."""
    from pengcheng.testing import ensure_demo_city

    with django_db_blocker.unblock():
        ensure_demo_city()


@pytest.fixture
def demo_city(db: Any) -> None:
    """Marks a test as using the session's demo city."""


@pytest.fixture
def transactional_city(transactional_db: Any) -> None:
    """A transactional test (e.g. against the live server) re-seeds the city: the flush between such
    tests removes it."""
    from pengcheng.testing import ensure_demo_city

    ensure_demo_city()


@pytest.fixture
def client_for(db: Any) -> Any:
    """``client_for("clerk")``: a test client logged in as that account."""
    from pengcheng.testing import login_client

    return login_client


# Browser tests --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless chromium through Playwright. Skipped where no chromium is found, unless
    PENGCHENG_REQUIRE_BROWSER=1 (set by CI), which turns the skip into a failure."""
    if not Path(CHROMIUM).exists():
        message = f"no chromium at {CHROMIUM} (install Debian's chromium or set PENGCHENG_CHROMIUM)"
        if os.environ.get("PENGCHENG_REQUIRE_BROWSER") == "1":
            pytest.fail(message + "; PENGCHENG_REQUIRE_BROWSER=1 requires browser tests to run")
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: Any, transactional_city: None) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()
