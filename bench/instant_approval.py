"""End-to-end 秒批: p50/p95/p99 of submitting a 高龄津贴 application that the rules approve on the spot
(form validation, routing, the rules' registry and licence reads, CEL evaluation, the stored decision,
the accept/review/approve steps with their events, audit records and notifications), through the
service and through the HTML form POST. SQLite by default; PostgreSQL with DATABASE_URL.

    .venv/bin/python bench/instant_approval.py [--n 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_rules .venv/bin/python bench/instant_approval.py
"""

from __future__ import annotations

import argparse
import datetime as dt

from services_common import allowance_draft, bench_citizens, database_label, report, setup, timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    setup("rules")

    from django.test import Client

    from pengcheng.applications import services
    from pengcheng.catalog.models import ServiceItem
    from pengcheng.registries.models import PopulationRecord, Sex
    from pengcheng.rules.models import Decision
    from pengcheng.rules.selectors import in_force

    item = ServiceItem.objects.get(code="440304MZ1001")  # 高龄老人津贴申领, rules in force from the demo seed
    assert in_force(item.current) is not None
    print(f"database: {database_label()}")

    people = bench_citizens(2 * args.n + 6)
    # Each is over 80 with a Shenzhen household, so the rules approve.
    PopulationRecord.objects.bulk_create(
        [
            PopulationRecord(
                id_number=user.id_number, name=user.full_name, sex=Sex.MALE, birth_date=dt.date(1940, 1, 1),
                household_division_id=user.residence_id,
            )
            for user in people
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    pool = iter(people)

    def prepared() -> tuple:
        return allowance_draft(next(pool), item, "1940-01-01")

    batch = [prepared() for _ in range(args.n + 3)]
    queue = iter(batch)

    def submit_service() -> None:
        user, application, form = next(queue)
        services.submit(user, application, form_data=form)

    report("services.submit → rules approve (秒批)", timed(submit_service, args.n))
    approved = sum(1 for _, a, _ in batch if a.state == "approved")
    print(f"approved on the spot: {approved} of {len(batch)}")

    clients = []
    for user, application, form in (prepared() for _ in range(args.n + 3)):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        clients.append((client, application, form))
    queue = iter(clients)

    def submit_http() -> None:
        client, application, form = next(queue)
        response = client.post(f"/my/applications/{application.number}/edit/", {**form, "submit": "1"})
        assert response.status_code == 302, response.status_code

    report("POST the form → decision stored → redirect", timed(submit_http, args.n))
    decisions = Decision.objects.filter(application__in=[a for _, a, _ in clients])
    print(f"decisions stored: {decisions.count()} ({decisions.filter(outcome='approve').count()} approve)")
    durations = sorted(Decision.objects.values_list("duration_ms", flat=True))
    if durations:
        print(f"rule evaluation inside submit: p50={durations[len(durations) // 2]:.2f} ms "
              f"p99={durations[int(len(durations) * 0.99)]:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
