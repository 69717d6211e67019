"""Policy matching: bulk registry reads agree with the selectors, consent governs declared data, the job
records matches once and tells the recipient, a submission counts as applied, one-click application."""

import datetime as dt

import pytest

from pengcheng.applications.models import State
from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, ValidationFailed
from pengcheng.core.models import Department, User
from pengcheng.notifications.models import Notification
from pengcheng.registries.selectors import facts_for_many, facts_for_person
from pengcheng.rules import matching, selectors, services
from pengcheng.rules.models import DeclaredProfile, Policy, PolicyKind, PolicyMatch, Subject
from pengcheng.rules.tests.conftest import apply_for_allowance, elder
from pengcheng.testing import login_client, make_staff

pytestmark = pytest.mark.django_db


def test_batch_facts_are_exactly_what_the_one_subject_selectors_give(demo_city) -> None:
    ids = [
        i
        for i in User.objects.filter(id_number__isnull=False).order_by("pk").values_list("id_number", flat=True)[:50]
        if i
    ]
    ids.append("440399000000000000")  # nobody
    bulk = facts_for_many("person", ids)
    for id_number in ids:
        assert bulk[id_number] == facts_for_person(id_number)


def _policy(code: str, expression: str, **fields) -> Policy:
    data = services.PolicyInput(
        code=code,
        name=fields.pop("name", code),
        kind=PolicyKind.SUBSIDY,
        subject=fields.pop("subject", Subject.PERSON),
        department=Department.objects.get(code="440300-MZJ"),
        summary="测试政策",
        expression=expression,
        **fields,
    )
    return services.save_policy(SYSTEM, data)


def test_a_policy_rule_is_validated_on_save(demo_city) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _policy("bad", "registry.population.salary > 3 && form.x")
    problems = " ".join(refused.value.field_errors["expression"])
    assert "salary" in problems and "form" in problems


def test_matching_finds_the_old_and_tells_them_once(allowance_item) -> None:
    old = elder(dt.date(1930, 5, 1))
    young = elder(dt.date(1990, 5, 1))
    _policy(
        "test-old",
        '"population" in registry && years_between(registry.population.birth_date, today) >= 90',
        item=allowance_item,
    )
    first = matching.run(today=dt.date(2026, 11, 27))
    match = PolicyMatch.objects.get(policy__code="test-old", identifier=old.id_number)
    assert match.recipient == old and match.notified_at is not None
    assert not PolicyMatch.objects.filter(policy__code="test-old", identifier=young.id_number).exists()
    inbox = Notification.objects.filter(recipient=old, category="policy")
    assert inbox.count() >= 1 and any("test-old" in n.subject or "test-old" in n.body for n in inbox)
    assert first.profiles >= 2 and first.evaluations < first.profiles * first.policies  # memoised
    again = matching.run(today=dt.date(2026, 11, 27))
    assert again.new_matches == 0
    assert Notification.objects.filter(recipient=old, category="policy").count() == inbox.count()
    # Applying through the item counts as applied.
    apply_for_allowance(old, allowance_item)
    match.refresh_from_db()
    assert match.applied_at is not None
    reach = {row["policy"].code: row for row in selectors.policy_reach(make_staff("operator", "440300-ZSJ"))}
    assert reach["test-old"]["matched"] == reach["test-old"]["notified"] == reach["test-old"]["applied"] >= 1


def test_declared_data_is_used_only_with_consent(demo_city) -> None:
    citizen = elder(dt.date(1990, 1, 1))
    _policy("test-disabled", "has(declared.disabled) && declared.disabled")
    services.declare(citizen, {"disabled": True}, consent=False)
    matching.run()
    assert not PolicyMatch.objects.filter(policy__code="test-disabled", identifier=citizen.id_number).exists()
    services.declare(citizen, {"disabled": True}, consent=True)
    matching.run()
    assert PolicyMatch.objects.filter(policy__code="test-disabled", identifier=citizen.id_number).exists()
    profile = services.declare(citizen, {"disabled": True}, consent=False)
    assert profile.withdrawn_at is not None and not profile.consent_active
    with pytest.raises(ValidationFailed):
        services.declare(citizen, {"salary": 3}, consent=True)
    from pengcheng.audit.models import AuditRecord

    actions = set(AuditRecord.objects.filter(object_id=str(profile.pk)).values_list("action", flat=True))
    assert {"rules.consent_given", "rules.consent_withdrawn"} <= actions


def test_a_policy_that_errors_matches_nobody(demo_city) -> None:
    _policy("test-error", "declared.employees > 3")  # nobody declared it: an error, so no match
    run = matching.run()
    assert run.errors >= 1
    assert not PolicyMatch.objects.filter(policy__code="test-error").exists()


def test_company_policies_reach_the_legal_representative(demo_city) -> None:
    from pengcheng.core.models import Company

    agent = User.objects.get(username="company")
    company = Company.objects.filter(agent_grants__user=agent).order_by("pk").first()
    assert company is not None
    _policy("test-hightech", "has(declared.high_tech) && declared.high_tech", subject=Subject.COMPANY)
    services.declare(agent, {"high_tech": True, "employees": 20}, consent=True, company=company)
    matching.run()
    match = PolicyMatch.objects.get(policy__code="test-hightech")
    assert match.identifier == company.credit_code and match.recipient == agent
    with pytest.raises(AccessDenied):
        services.declare(elder(), {"high_tech": True}, consent=True, company=company)


def test_one_click_application_from_the_policy_page(allowance_item) -> None:
    old = elder(dt.date(1930, 5, 1))
    _policy("test-click", '"population" in registry', item=allowance_item)
    matching.run()
    match = PolicyMatch.objects.get(policy__code="test-click", identifier=old.id_number)
    client = login_client(old.username)
    page = client.get("/my/policies/")
    assert page.status_code == 200 and "test-click" in page.content.decode()
    response = client.post(f"/my/policies/{match.pk}/apply/")
    assert response.status_code == 302 and "/edit/" in response["Location"]
    application = old.applications.get(item=allowance_item)
    assert application.state == State.DRAFT
    other = elder()
    assert login_client(other.username).post(f"/my/policies/{match.pk}/apply/").status_code == 403


def test_the_demo_seeded_policies_and_declared_profiles(demo_city) -> None:
    assert Policy.objects.filter(code__in=["old-age-allowance", "talent-housing", "high-tech-tax"]).count() == 3
    assert Policy.objects.count() >= 5
    citizen = User.objects.get(username="citizen")
    assert DeclaredProfile.objects.get(identifier=citizen.id_number).consent_active
