"""Seeding twice adds nothing: not the applications seed's applicants to the population registry (they
exist only from the second run on), not a new version of the items with an online form."""

from collections import Counter

import pytest
from django.apps import apps

from pengcheng.audit.models import AuditRecord
from pengcheng.core.models import User
from pengcheng.registries.models import PopulationRecord
from pengcheng.registries.seed import seed_demo as seed_registries
from pengcheng.seeding import SeedContext, seed_demo

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in ("sessions", "audit")
    }


def test_the_registry_seed_leaves_later_seeders_citizens_alone(demo_city: None) -> None:
    from pengcheng.applications.seed import _applicants

    seed_registries(SeedContext(quiet=True))
    before = PopulationRecord.objects.count()
    applicants = _applicants(SeedContext(quiet=True))  # what the applications seed makes after this seed
    assert applicants and all(user.id_number for user in applicants)
    seed_registries(SeedContext(quiet=True))
    assert PopulationRecord.objects.count() == before
    citizen = User.objects.get(username="citizen")
    assert PopulationRecord.objects.filter(id_number=citizen.id_number).exists()


def test_seeding_twice_adds_nothing(demo_city: None) -> None:
    seed_demo(SeedContext(scale=1, quiet=True))
    first = _counts()
    audited = AuditRecord.objects.count()
    seed_demo(SeedContext(scale=1, quiet=True))
    second = _counts()
    assert {label: (n, second[label]) for label, n in first.items() if second[label] != n} == {}
    # The only new audit record is the policy-matching run's (the seed runs the job; it found nothing new).
    actions = Counter(AuditRecord.objects.order_by("pk")[audited:].values_list("action", flat=True))
    assert actions == Counter({"rules.policies_matched": 1})
