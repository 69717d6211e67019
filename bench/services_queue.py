"""The clerk work queue with 100,000 open applications: page 1 of /console/applications/ (HTML,
sorted by deadline, with the count for paging) for a district hall clerk, a city bureau clerk and a
platform-wide operator, plus the supervisor's overdue page.

The generator writes open applications straight into the table (bulk insert) spread over the demo
items, their handling departments and the applicants' communities, with deadlines from ten days
overdue to thirty days ahead. Meant for PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_services .venv/bin/python bench/services_queue.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from services_common import bench_citizens, database_label, report, setup, timed


def generate(total: int) -> None:
    from django.db import transaction
    from django.utils import timezone
    from tqdm import tqdm

    from pengcheng.applications.models import Application, State
    from pengcheng.applications.services import route
    from pengcheng.catalog.models import ServiceItem
    from pengcheng.core.models import Department, Division, DivisionLevel, User

    have = Application.objects.filter(number__startswith="BENCH").count()
    if have >= total:
        return
    rng = random.Random(7)
    items = list(ServiceItem.objects.filter(code__startswith="4403").select_related("current_version", "department"))
    communities = list(Division.objects.filter(level=DivisionLevel.COMMUNITY, code__startswith="4403"))
    applicants = list(User.objects.filter(username__startswith="bench-")[:500]) or bench_citizens(500)
    halls = {d.code[:6]: d for d in Department.objects.filter(kind="service_centre", level="district")}
    routes: dict[tuple[int, str], Department] = {}
    today = timezone.localdate()
    now = timezone.now()
    states = [State.SUBMITTED] * 4 + [State.ACCEPTED] * 3 + [State.UNDER_REVIEW] * 3
    batch: list[Application] = []
    started = time.perf_counter()
    for index in tqdm(range(have, total), desc="applications", mininterval=1):
        item = rng.choice(items)
        division = rng.choice(communities)
        key = (item.pk, division.code[:6])
        if key not in routes:
            routes[key] = route(item, division)
        submitted = now - dt.timedelta(days=rng.randrange(0, 30), minutes=rng.randrange(600))
        batch.append(
            Application(
                number=f"BENCH{index:010d}",
                item=item,
                item_version=item.current,
                applicant=rng.choice(applicants),
                division=division,
                state=rng.choice(states),
                form_data={"applicant_name": "测试", "reason": "基准测试数据"},
                intake_department=halls.get(division.code[:6]),
                handling_department=routes[key],
                created_at=submitted,
                updated_at=submitted,
                submitted_at=submitted,
                deadline=today + dt.timedelta(days=rng.randrange(-10, 31)),
                limit_days=5,
                limit_unit="working",
            )
        )
        if len(batch) >= 5000:
            with transaction.atomic():
                Application.objects.bulk_create(batch)
            batch = []
    with transaction.atomic():
        Application.objects.bulk_create(batch)
    print(f"generated {total - have} open applications in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    setup("queue")
    generate(args.open)

    from django.db import connection
    from django.test import Client

    from pengcheng.applications.models import OPEN_STATES, Application
    from pengcheng.applications.selectors import QueueFilters, work_queue
    from pengcheng.core.models import User

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE applications_application")
    open_total = Application.objects.filter(state__in=OPEN_STATES).count()
    print(f"database: {database_label()}; open applications: {open_total}")
    for username, label in (
        ("clerk", "district hall clerk (440304-ZSJ)"),
        ("clerk_scjg", "city bureau clerk (440300-SCJGJ)"),
        ("operator", "operator (platform-wide)"),
    ):
        user = User.objects.get(username=username)
        in_queue = work_queue(user, QueueFilters()).count()
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)

        def page(client: Client = client) -> None:
            response = client.get("/console/applications/")
            assert response.status_code == 200

        report(f"queue page 1, {label}, {in_queue} in queue", timed(page, args.runs))

        def overdue_page(client: Client = client) -> None:
            assert client.get("/console/applications/", {"view": "overdue", "sort": "-deadline"}).status_code == 200

        report("  overdue view, newest deadline first", timed(overdue_page, args.runs))
    supervisor = Client(HTTP_HOST="localhost")
    supervisor.force_login(User.objects.get(username="supervisor"))
    report(
        "supervisor overdue page (440304-ZSJ)",
        timed(lambda: supervisor.get("/console/applications/overdue/"), args.runs),
    )


if __name__ == "__main__":
    main()
