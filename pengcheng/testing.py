"""Helpers for Pengcheng's tests: factories and the demo city on a real database."""

from __future__ import annotations

import itertools
from typing import Any

from django.test import Client

from pengcheng.core import identifiers
from pengcheng.core.models import AccountKind, Department, Division, DivisionLevel, Role, StaffPosition, User
from pengcheng.seeding import DEMO_PASSWORD, SeedContext, seed_demo

_counter = itertools.count(1)


def ensure_demo_city(scale: int = 0) -> SeedContext:
    """Seed Shenzhen's divisions, departments and demo accounts (and ``scale`` × the population).

    The holiday calendar comes from a migration; a flushing (transactional) test loses it, so it is
    restored here too."""
    from pengcheng.workdays.services import seed_from_library

    seed_from_library()
    return seed_demo(SeedContext(scale=scale, quiet=True))


def make_citizen(**fields: Any) -> User:
    n = next(_counter)
    first17 = f"440399199{n % 10}0101{n % 1000:03d}"
    defaults: dict[str, Any] = {
        "username": f"test-citizen-{n}",
        "full_name": f"测试居民{n}",
        "kind": AccountKind.CITIZEN,
        "id_number": first17 + identifiers.id_number_check_digit(first17),
        "phone": f"1990999{n:04d}",
    }
    defaults.update(fields)
    user = User(**defaults)
    user.set_password(fields.get("password", DEMO_PASSWORD))
    user.save()
    return user


def make_staff(role: str, department: Department | str, **fields: Any) -> User:
    if isinstance(department, str):
        department = Department.objects.get(code=department)
    n = next(_counter)
    defaults: dict[str, Any] = {"username": f"test-{role}-{n}", "full_name": f"测试员工{n}", "kind": AccountKind.STAFF}
    defaults.update(fields)
    user = User(**defaults)
    user.set_password(fields.get("password", DEMO_PASSWORD))
    user.is_staff = role in (Role.OPERATOR, Role.ADMIN)
    user.is_superuser = role == Role.ADMIN
    user.save()
    StaffPosition.objects.create(user=user, department=department, role=role)
    return user


def community(district_code: str = "440304") -> Division:
    """The first community of a district (Futian by default)."""
    return Division.objects.filter(level=DivisionLevel.COMMUNITY, code__startswith=district_code).order_by("code")[0]


def login_client(username: str) -> Client:
    """A test client signed in as ``username`` (without the login form; see the web tests for that).
    An account that must use a second factor gets one, and the session counts as having used it."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from pengcheng.identity.selectors import mfa_required

    client = Client()
    user = User.objects.get(username=username)
    client.force_login(user)
    if mfa_required(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = _totp_device(user).persistent_id
        session.save()
    return client


def _totp_device(user: User) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)


def totp_code(username: str) -> str:
    """A currently valid authenticator code for ``username`` (enrolling one if needed). The device's
    replay guard is reset first, so tests may sign in several times within one 30-second step."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = _totp_device(User.objects.get(username=username))
    TOTPDevice.objects.filter(pk=device.pk).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def login_with_second_factor(client: Client, username: str, password: str = DEMO_PASSWORD) -> Any:
    """Sign in through the forms: password, then the authenticator code. Returns the last response."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    if response.status_code == 302 and response["Location"].startswith("/accounts/second-factor/"):
        response = client.post("/accounts/second-factor/", {"token": totp_code(username)})
    return response


def browser_login(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login page; an account with an authenticator also gets past the code step."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/accounts/second-factor/" in page.url and "/enrol/" not in page.url:
        page.fill("#id_token", totp_code(username))
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")


def assert_accessible(page: Any, context: Any = None) -> None:
    """axe-core finds no violations on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    assert results.violations_count == 0, results.generate_report()
