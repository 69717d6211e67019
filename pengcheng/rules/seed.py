"""Demo seed: approval rule sets on the demo items (秒批), the demo policies, a declared profile for the
demo citizen and company (with consent), and a first policy match."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from pengcheng.catalog.models import ItemLevel, ServiceItem
from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import AccountKind, Company, Department, User
from pengcheng.registries.selectors import facts_for_many
from pengcheng.rules import demo, matching, services
from pengcheng.rules.models import DeclaredProfile, Policy, RuleSet, Subject
from pengcheng.seeding import SeedContext


def _rule_sets(ctx: SeedContext) -> int:
    published = 0
    for spec in demo.RULE_SETS:
        items = ServiceItem.objects.filter(catalog_code=spec.catalog, current_version__isnull=False)
        items = items.filter(level=ItemLevel.DISTRICT if spec.district else ItemLevel.CITY).select_related(
            "current_version", "department"
        )
        for item in items.order_by("code"):
            version = item.current
            if RuleSet.objects.filter(item_version=version).exists():
                continue
            rule_set = services.save_rule_set(
                SYSTEM,
                version,
                rules=[services.RuleInput(*row) for row in spec.rules],
                test_cases=[services.CaseInput(name, data, expected) for name, data, expected in spec.cases],
                note=spec.note or "demo seed",
            )
            services.publish(SYSTEM, rule_set, effective_from=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
            published += 1
    return published


def _policies() -> int:
    created = 0
    for spec in demo.POLICIES:
        if Policy.objects.filter(code=spec.code).exists():
            continue
        department = Department.objects.filter(code=spec.department).first()
        if department is None:
            continue
        services.save_policy(
            SYSTEM,
            services.PolicyInput(
                code=spec.code,
                name=spec.name,
                name_en=spec.name_en,
                kind=spec.kind,
                subject=spec.subject,
                department=department,
                summary=spec.summary,
                expression=spec.expression,
                item=ServiceItem.objects.filter(code=spec.item).first() if spec.item else None,
            ),
        )
        created += 1
    return created


def _declared() -> None:
    citizen = User.objects.filter(username="citizen").first()
    if (
        citizen is not None
        and citizen.id_number
        and not DeclaredProfile.objects.filter(subject=Subject.PERSON, identifier=citizen.id_number).exists()
    ):
        services.declare(citizen, {"employed": True, "has_children": True, "monthly_income": 12000}, consent=True)
    agent = User.objects.filter(username="company").first()
    company = Company.objects.filter(agent_grants__user=agent).order_by("pk").first() if agent else None
    if (
        agent is not None
        and company is not None
        and not DeclaredProfile.objects.filter(subject=Subject.COMPANY, identifier=company.credit_code).exists()
    ):
        services.declare(agent, {"high_tech": True, "employees": 120}, consent=True, company=company)


def _elder_note(ctx: SeedContext) -> None:
    """Point the demo user at a seeded citizen over 80 with a Shenzhen household (for 高龄津贴)."""
    today = dt.date.today()
    users = list(
        User.objects.filter(kind=AccountKind.CITIZEN, id_number__isnull=False)
        .order_by("id_number")
        .values_list("username", "id_number", "residence_id")[:3000]
    )
    facts = facts_for_many("person", [id_number for _, id_number, _ in users if id_number])
    for username, id_number, residence in users:
        population = facts.get(id_number or "", {}).get("population")
        if not population or not str(population.get("household_division") or "").startswith("4403"):
            continue
        birth = population["birth_date"]
        if (today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))) >= 80:
            district = str(residence or "440304")[:6]
            ctx.notes.append(f"秒批 demo (高龄津贴, item {district}MZ1001): sign in as {username}")
            return


def seed_demo(ctx: SeedContext) -> None:
    with transaction.atomic():
        published = _rule_sets(ctx)
        policies = _policies()
        _declared()
    _elder_note(ctx)
    summary = matching.run(notify=True)
    ctx.say(
        f"rules: {published} rule sets published, {policies} policies; "
        f"policy matching: {summary.new_matches} new matches for {summary.profiles} profiles"
    )
