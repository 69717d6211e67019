"""Shared set-up for the catalogue and application benchmarks (bench/services_*.py).

Each benchmark runs against its own database: SQLite in a scratch data directory by default, or
PostgreSQL with DATABASE_URL (use a database of its own, e.g. postgres://postgres@127.0.0.1:5432/bench_services).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

from _common import ROOT, machine

sys.path.insert(0, str(ROOT))


def setup(name: str) -> None:
    """Configure Django for a benchmark, migrate, and seed the demo city (without population)."""
    print(machine(), flush=True)
    os.environ.setdefault("PENGCHENG_DATA_DIR", tempfile.mkdtemp(prefix=f"pengcheng-bench-{name}-"))
    os.environ.setdefault("PENGCHENG_SSL_REDIRECT", "0")
    os.environ.setdefault("PENGCHENG_SHARED_DATA", str(ROOT.parent / "shared" / "data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pengcheng.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    # Synthetic accounts need a password hash only to exist; full-strength hashing costs 0.3 s each.
    override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]).enable()
    call_command("migrate", verbosity=0)
    from pengcheng.testing import ensure_demo_city

    ensure_demo_city()


def database_label() -> str:
    from django.db import connection

    return f"{connection.vendor} {connection.settings_dict.get('NAME')}"


def timed(fn: Callable[[], object], runs: int, warmup: int = 3) -> list[float]:
    """Milliseconds per call, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    p99 = ordered[max(0, round(0.99 * len(ordered)) - 1)]
    line = (
        f"{label:<48} n={len(ordered):<5} p50={statistics.median(ordered):7.1f} ms  "
        f"p95={p95:7.1f} ms  p99={p99:7.1f} ms  max={ordered[-1]:7.1f} ms"
    )
    print(line, flush=True)
    return line


def bench_citizens(count: int, district: str = "440304") -> list:
    """``count`` new synthetic citizens living in ``district`` (numbers continue across runs)."""
    import datetime as dt

    from django.contrib.auth.hashers import make_password

    from pengcheng.core.models import User
    from pengcheng.core.seed import demo_id_number, demo_phone
    from pengcheng.testing import community

    start = User.objects.filter(username__startswith="bench-").count()
    home = community(district)
    password = make_password(None)
    users = [
        User(
            username=f"bench-{index:07d}",
            password=password,
            full_name="基准测试",
            id_number=demo_id_number(7_000_000 + index, dt.date(1940, 1, 1) + dt.timedelta(days=index % 29200), True),
            phone=demo_phone(7_000_000 + index),
            residence=home,
        )
        for index in range(start, start + count)
    ]
    User.objects.bulk_create(users)
    return list(User.objects.filter(username__in=[u.username for u in users]).order_by("username"))


def allowance_draft(user: object, item: object, birth_date: str) -> tuple:
    """A draft of 高龄老人津贴申领 (``item``) by ``user`` with its two uploads and a complete form, ready to
    submit: ``(user, application, form)``."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pengcheng.applications import services
    from pengcheng.applications.seed import DEMO_PDF

    application = services.start(user, item)  # type: ignore[arg-type]
    for key in ("id_card", "household_register"):
        services.attach(user, application, key, SimpleUploadedFile(f"{key}.pdf", DEMO_PDF))  # type: ignore[arg-type]
    form = {
        "applicant_name": user.full_name, "id_number": user.id_number, "phone": user.phone,  # type: ignore[attr-defined]
        "birth_date": birth_date, "household_address": "深圳市福田区福中三路1号", "bank_name": "示例银行",
        "bank_account": "6222020200112233445", "delivery": "online", "declaration": "true",
    }  # fmt: skip
    return user, application, form
