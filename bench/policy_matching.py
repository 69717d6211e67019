# ruff: noqa: E501 - policy expressions and synthetic rows read better on one line each
"""The policy-matching job at scale: 100,000 citizen profiles (population records, 20% with consented
self-declared data) × 50 policies, through ``rules.matching.run`` (batched reads, compile once,
evaluation memoised per distinct input, bulk writes of matches and inbox messages). SQLite by default;
PostgreSQL with DATABASE_URL.

    .venv/bin/python bench/policy_matching.py [--profiles 100000] [--policies 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from services_common import database_label, setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--policies", type=int, default=50)
    args = parser.parse_args()
    setup("policy-matching")

    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from pengcheng.core import identifiers
    from pengcheng.core.actors import SYSTEM
    from pengcheng.core.models import AccountKind, Department, Division, DivisionLevel, User
    from pengcheng.core.seed import TEST_AREA
    from pengcheng.notifications.models import Notification
    from pengcheng.registries.models import PopulationRecord, Sex
    from pengcheng.rules import matching, services
    from pengcheng.rules.models import DeclaredProfile, Policy, PolicyKind, PolicyMatch, Subject

    print(f"database: {database_label()}", flush=True)
    rng = random.Random(11)
    communities = list(Division.objects.filter(level=DivisionLevel.COMMUNITY).values_list("code", flat=True))
    have = User.objects.filter(username__startswith="pm-").count()  # a second run reuses the profiles
    started = time.perf_counter()
    password = make_password(None)
    for chunk_start in range(have, args.profiles, 10_000):
        users, records = [], []
        for index in range(chunk_start, min(args.profiles, chunk_start + 10_000)):
            # Unique (birth date, sequence) pairs: every birth date of 88 years, several people each.
            birth = dt.date(1935, 1, 1) + dt.timedelta(days=index % 32_000)
            first17 = f"{TEST_AREA}{birth:%Y%m%d}{500 + (index // 32_000) * 2 + index % 2:03d}"
            id_number = first17 + identifiers.id_number_check_digit(first17)
            home = rng.choice(communities)
            users.append(User(username=f"pm-{index:07d}", password=password, full_name="画像", id_number=id_number,
                              kind=AccountKind.CITIZEN, residence_id=home))  # fmt: skip
            records.append(PopulationRecord(id_number=id_number, name="画像", sex=Sex.MALE if index % 2 == 0 else Sex.FEMALE,
                                            birth_date=birth, household_division_id=home if rng.random() < 0.7 else None,
                                            marital_status=rng.choice(["10", "20", "30", "40"])))  # fmt: skip
        with transaction.atomic():
            User.objects.bulk_create(users, batch_size=2000)
            PopulationRecord.objects.bulk_create(records, batch_size=2000, ignore_conflicts=True)
            declared = [
                DeclaredProfile(subject=Subject.PERSON, identifier=id_number, declared_by_id=pk,
                                data={"employed": rng.random() < 0.6, "has_children": rng.random() < 0.4,
                                      "disabled": rng.random() < 0.03, "monthly_income": rng.randrange(0, 40_000)},
                                consented_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
                for id_number, pk in User.objects.filter(username__in=[u.username for u in users[::5]]).values_list("id_number", "pk")
            ]  # fmt: skip
            DeclaredProfile.objects.bulk_create(declared, batch_size=2000, ignore_conflicts=True)
        print(f"profiles: {min(args.profiles, chunk_start + 10_000)}", flush=True)
    print(f"profiles ready in {time.perf_counter() - started:.0f} s", flush=True)

    department = Department.objects.get(code="440300-MZJ")
    # Ten shapes × five variants: age bands, household in a given district, declared income and family,
    # marital status; each policy fits a few per cent of the profiles, as real schemes do.
    districts = ["440303", "440304", "440305", "440306", "440307"]
    shapes = [
        'has(registry.population) && years_between(registry.population.birth_date, today) >= {old}',
        '"population" in registry && years_between(registry.population.birth_date, today) >= {band} && years_between(registry.population.birth_date, today) < {band} + 3 && has(declared.employed) && declared.employed',
        'has(declared.monthly_income) && declared.monthly_income < {income}',
        '"population" in registry && registry.population.marital_status == "20" && has(declared.has_children) && declared.has_children && years_between(registry.population.birth_date, today) < {young}',
        'has(registry.population) && registry.population.household_division != null && registry.population.household_division.startsWith("{district}") && years_between(registry.population.birth_date, today) >= {old}',
        'has(declared.disabled) && declared.disabled',
        '"population" in registry && registry.population.sex == "F" && years_between(registry.population.birth_date, today) >= {band} && years_between(registry.population.birth_date, today) < {band} + 2',
        'has(declared.employed) && !declared.employed && has(declared.monthly_income) && declared.monthly_income < {income} && years_between(registry.population.birth_date, today) < 60',
        '"population" in registry && registry.population.marital_status == "30" && years_between(registry.population.birth_date, today) >= {old}',
        'has(registry.population) && registry.population.household_division != null && registry.population.household_division.startsWith("{district}") && has(declared.has_children) && declared.has_children && has(declared.monthly_income) && declared.monthly_income < {income}',
    ]  # fmt: skip
    Policy.objects.filter(code__startswith="bench-").delete()
    for index in range(args.policies):
        shape = shapes[index % len(shapes)]
        services.save_policy(
            SYSTEM,
            services.PolicyInput(
                code=f"bench-{index:02d}", name=f"基准政策 {index}", kind=PolicyKind.SUBSIDY, subject=Subject.PERSON,
                department=department, summary="基准测试政策",
                expression=shape.format(old=80 + index % 5 * 3, band=22 + index % 5 * 7, income=1500 + index % 5 * 400,
                                        young=28 + index % 5, district=districts[index % 5]),
            ),
        )  # fmt: skip
    PolicyMatch.objects.all().delete()
    Notification.objects.filter(category="policy").delete()
    print(f"policies: {Policy.objects.filter(is_active=True).count()} active", flush=True)

    last = [time.perf_counter()]

    def progress(line: str) -> None:
        if time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            print("  " + line, flush=True)

    run = matching.run(today=dt.date(2026, 11, 27), batch=5000, progress=progress)
    print(
        f"first run: {run.profiles} profiles × {run.policies} policies in {run.seconds:.1f} s; "
        f"{run.evaluations} CEL evaluations ({run.errors} errors), {run.matched} matches, "
        f"{run.new_matches} new, {run.notified} notified in {run.messages} inbox messages",
        flush=True,
    )
    again = matching.run(today=dt.date(2026, 11, 27), batch=5000)
    print(f"second run (nothing new): {again.seconds:.1f} s, {again.new_matches} new matches", flush=True)


if __name__ == "__main__":
    main()
