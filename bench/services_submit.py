"""Submitting an application with form validation: p50/p95/p99 of ``applications.services.submit``
(form coercion and JSON Schema validation, materials check, routing, deadline, event, audit record,
notifications) and of the whole HTML form POST through Django's test client.

    .venv/bin/python bench/services_submit.py [--n 300]
"""

from __future__ import annotations

import argparse

from services_common import allowance_draft, bench_citizens, database_label, report, setup, timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    setup("submit")

    from django.test import Client

    from pengcheng.applications import services
    from pengcheng.catalog.models import ServiceItem

    item = ServiceItem.objects.get(code="440304MZ1001")  # 高龄老人津贴申领: 9 fields, 3 materials
    print(f"database: {database_label()}")

    people = iter(bench_citizens(2 * args.n + 6))

    def prepared() -> tuple:
        return allowance_draft(next(people), item, "1940-05-01")

    batch = [prepared() for _ in range(args.n + 3)]
    queue = iter(batch)

    def submit_service() -> None:
        user, application, form = next(queue)
        services.submit(user, application, form_data=form)

    report("services.submit (validate + route + audit)", timed(submit_service, args.n))

    clients = []
    for user, application, form in (prepared() for _ in range(args.n + 3)):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)  # signing in is not part of the timed request
        clients.append((client, application, form))
    queue = iter(clients)

    def submit_http() -> None:
        client, application, form = next(queue)
        response = client.post(f"/my/applications/{application.number}/edit/", {**form, "submit": "1"})
        assert response.status_code == 302, response.status_code

    report("POST the form (session, view, service)", timed(submit_http, args.n))


if __name__ == "__main__":
    main()
