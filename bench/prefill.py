"""秒报 (pre-fill with consent): p50/p95/p99 of the consent screen, of agreeing (consent + three registry
fetches + fetch log + audit + form update) and of the pre-filled form page.

    .venv/bin/python bench/prefill.py [--n 200]

Item: 新引进人才租房和生活补贴 (440300RS0001), which reads the population, social insurance and education
registries. Each synthetic applicant gets a record in each, so every fetch finds data.
"""

from __future__ import annotations

import argparse
import datetime as dt

from services_common import bench_citizens, database_label, report, setup, timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    setup("prefill")

    from django.test import Client

    from pengcheng.applications import services as applications
    from pengcheng.catalog.models import ServiceItem
    from pengcheng.core.identifiers import birth_date_from_id
    from pengcheng.core.models import User
    from pengcheng.prefill import services
    from pengcheng.registries.models import EducationRecord, PopulationRecord, SocialInsuranceRecord

    item = ServiceItem.objects.get(code="440300RS0001")
    print(f"database: {database_label()}")
    total = 3 * (args.n + 3)
    people = bench_citizens(total)
    # Registry data is fetched only for real-name verified (L2) accounts.
    User.objects.filter(pk__in=[u.pk for u in people]).update(assurance_level=2)
    people = list(User.objects.filter(pk__in=[u.pk for u in people]).order_by("username"))
    PopulationRecord.objects.bulk_create(
        [
            PopulationRecord(
                id_number=u.id_number, name=u.full_name, sex="M", birth_date=birth_date_from_id(u.id_number),
                address="深圳市福田区福中三路1号1栋101",
            )
            for u in people
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    SocialInsuranceRecord.objects.bulk_create(
        [
            SocialInsuranceRecord(
                id_number=u.id_number, name=u.full_name, employer="深圳市鹏城示范科技有限公司",
                first_insured_on=dt.date(2020, 1, 1), months_contributed=60, continuous_months=60,
            )
            for u in people
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    EducationRecord.objects.bulk_create(
        [
            EducationRecord(
                certificate_number=f"10590{index:012d}", id_number=u.id_number, name=u.full_name,
                degree="master", school="深圳大学", major="软件工程", graduation_date=dt.date(2023, 6, 30),
            )
            for index, u in enumerate(people, start=EducationRecord.objects.count())
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    queue = iter(people)

    def client_with_draft() -> tuple[Client, object, object]:
        user = next(queue)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)  # signing in is not part of the timed request
        return client, user, applications.start(user, item)

    screens = [client_with_draft() for _ in range(args.n + 3)]
    pending = iter(screens)

    def consent_screen() -> None:
        client, _user, draft = next(pending)
        response = client.get(f"/my/applications/{draft.number}/prefill/")  # type: ignore[attr-defined]
        assert response.status_code == 200

    report("GET the consent screen", timed(consent_screen, args.n))

    pending = iter(screens)

    def agree() -> None:
        _client, user, draft = next(pending)
        services.grant_and_fill(user, draft)  # type: ignore[arg-type]

    report("services.grant_and_fill (3 registries)", timed(agree, args.n))

    pending = iter(screens)

    def form_page() -> None:
        client, _user, draft = next(pending)
        response = client.get(f"/my/applications/{draft.number}/edit/")  # type: ignore[attr-defined]
        assert response.status_code == 200 and b"readonly" in response.content

    report("GET the pre-filled form", timed(form_page, args.n))

    fresh = [client_with_draft() for _ in range(args.n + 3)]
    pending = iter(fresh)

    def agree_by_post() -> None:
        client, _user, draft = next(pending)
        response = client.post(f"/my/applications/{draft.number}/prefill/", {"decision": "agree"})  # type: ignore[attr-defined]
        assert response.status_code == 302

    report("POST agree on the consent screen", timed(agree_by_post, args.n))


if __name__ == "__main__":
    main()
