"""Submitting an application with form validation: p50/p95/p99 of ``applications.services.submit``
(form coercion and JSON Schema validation, materials check, routing, deadline, event, audit record,
notifications) and of the whole HTML form POST through Django's test client.

    .venv/bin/python bench/services_submit.py [--n 300]
"""

from __future__ import annotations

import argparse

from services_common import bench_citizens, database_label, report, setup, timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    setup("submit")

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from pengcheng.applications import services
    from pengcheng.applications.seed import DEMO_PDF
    from pengcheng.catalog.models import ServiceItem

    item = ServiceItem.objects.get(code="440304MZ1001")  # 高龄老人津贴申领: 9 fields, 3 materials
    print(f"database: {database_label()}")

    people = iter(bench_citizens(2 * args.n + 6))

    def prepared() -> tuple:
        user = next(people)
        application = services.start(user, item)
        for key in ("id_card", "household_register"):
            services.attach(user, application, key, SimpleUploadedFile(f"{key}.pdf", DEMO_PDF))
        form = {
            "applicant_name": user.full_name, "id_number": user.id_number, "phone": user.phone,
            "birth_date": "1940-05-01", "household_address": "深圳市福田区福中三路1号", "bank_name": "示例银行",
            "bank_account": "6222020200112233445", "delivery": "online", "declaration": "true",
        }  # fmt: skip
        return user, application, form

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
