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
    """A test client signed in as ``username`` (without the login form; see the web tests for that)."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def browser_login(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def assert_accessible(page: Any, context: Any = None) -> None:
    """axe-core finds no violations on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    assert results.violations_count == 0, results.generate_report()
