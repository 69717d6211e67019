"""Copying a rule set to a newer item version: the draft is made with every rule and test case, and the
rules that read fields the new form no longer has are listed (and block publishing until fixed)."""

import pytest

from pengcheng.audit.models import AuditRecord
from pengcheng.catalog.demo_items import person_form
from pengcheng.catalog.services import publish as publish_item
from pengcheng.catalog.tests.factories import item_spec
from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, Conflict, ValidationFailed
from pengcheng.rules import services
from pengcheng.rules.models import Outcome, RuleSet, RuleSetState
from pengcheng.rules.services import CaseInput, RuleInput
from pengcheng.testing import login_client, make_staff

pytestmark = pytest.mark.django_db

DEPARTMENT = "440300-MZJ"  # the test items' department


def _versions(second_group: list[str]):
    """An item at version 1 (form with ``reason``), then version 2 with ``second_group`` instead (and a
    shorter promised time limit, so that a version 2 with the same form is still a new version)."""
    schema, ui = person_form(("详情", "Details", ["reason"]))
    first = publish_item(SYSTEM, item_spec(form_schema=schema, form_ui=ui)).version
    schema, ui = person_form(("详情", "Details", second_group))
    spec = item_spec(code=first.item.code, form_schema=schema, form_ui=ui, promised_limit=4)  # the factory promises 5
    second = publish_item(SYSTEM, spec).version
    assert second.number == first.number + 1 and second.item_id == first.item_id
    return first, second


def _rule_set(version) -> RuleSet:
    rules = [
        RuleInput("no_reason", 'form.reason == ""', Outcome.REJECT, "未说明理由"),
        RuleInput("adult", "years_between(registry.population.birth_date, today) >= 18", Outcome.APPROVE, "成年"),
        RuleInput("else", "true", Outcome.REFER, "其他"),
    ]
    case = CaseInput(
        "有理由的成年人", {"form": {"reason": "需要"}, "registry": {}, "today": "2026-01-01"}, Outcome.REFER
    )
    return services.save_rule_set(SYSTEM, version, rules=rules, test_cases=[case], note="v1")


def test_copy_to_a_version_with_the_same_fields_makes_a_clean_draft() -> None:
    first, second = _versions(["reason", "amount"])
    source = _rule_set(first)
    supervisor = make_staff("supervisor", DEPARTMENT)
    result = services.copy_to_version(supervisor, source, second)
    copy = result.rule_set
    assert result.problems == {} and services.draft_problems(copy) == {}
    assert copy.item_version == second and copy.state == RuleSetState.DRAFT and copy.number == 1
    assert [r.key for r in copy.rules.order_by("order")] == ["no_reason", "adult", "else"]
    assert [c.name for c in copy.test_cases.all()] == ["有理由的成年人"]
    assert copy.created_by == supervisor.username
    record = AuditRecord.objects.get(action="rules.copied", object_id=str(copy.pk))
    assert record.data["from_rule_set"] == source.pk and record.data["problems"] == {}
    assert services.publish(supervisor, copy).state == RuleSetState.PUBLISHED


def test_copy_lists_the_rules_whose_fields_the_new_version_dropped_and_blocks_publishing() -> None:
    first, second = _versions(["amount"])  # "reason" was dropped
    source = _rule_set(first)
    supervisor = make_staff("supervisor", DEPARTMENT)
    result = services.copy_to_version(supervisor, source, second)
    assert set(result.problems) == {"no_reason"} and "reason" in result.problems["no_reason"][0]
    assert result.rule_set.rules.count() == 3  # all copied: the operator fixes one rule, not all
    assert services.draft_problems(result.rule_set) == result.problems
    record = AuditRecord.objects.get(action="rules.copied", object_id=str(result.rule_set.pk))
    assert set(record.data["problems"]) == {"no_reason"}
    with pytest.raises(ValidationFailed) as refused:
        services.publish(supervisor, result.rule_set)
    assert any("reason" in message for message in refused.value.field_errors["rules.0.expression"])
    source.refresh_from_db()
    assert source.item_version == first and source.rules.count() == 3  # the original is untouched


def test_copy_checks_permission_and_direction() -> None:
    first, second = _versions(["reason"])
    source = _rule_set(first)
    with pytest.raises(AccessDenied):
        services.copy_to_version(make_staff("supervisor", "440304-ZSJ"), source, second)  # another department
    with pytest.raises(AccessDenied):
        services.copy_to_version(make_staff("clerk", DEPARTMENT), source, second)
    supervisor = make_staff("supervisor", DEPARTMENT)
    with pytest.raises(Conflict):
        services.copy_to_version(supervisor, source, first)  # not newer
    newer_source = _rule_set(second)
    with pytest.raises(Conflict):
        services.copy_to_version(supervisor, newer_source, first)  # backwards
    other, _ = _versions(["reason"])
    with pytest.raises(Conflict):
        services.copy_to_version(supervisor, source, other)  # another item
    assert not RuleSet.objects.filter(item_version=second).exclude(pk=newer_source.pk).exists()


def test_console_copy_to_the_new_version_shows_the_problems() -> None:
    first, second = _versions(["amount"])
    source = _rule_set(first)
    client = login_client(make_staff("supervisor", DEPARTMENT).username)
    page = client.get(f"/console/rules/{source.pk}/").content.decode()
    assert f'<option value="{second.pk}">' in page  # the newer version is offered
    assert "还没有规则集" in page  # version 2 has no rule set: a clerk decides its applications
    response = client.post(f"/console/rules/{source.pk}/copy/", {"item_version": second.pk}, follow=True)
    copy = RuleSet.objects.get(item_version=second)
    assert response.redirect_chain[-1][0] == f"/console/rules/{copy.pk}/"
    page = response.content.decode()
    assert "no_reason" in page and "reason" in page and "发布前需要修改" in page
    assert copy.state == RuleSetState.DRAFT and copy.rules.count() == 3
    again = client.get(f"/console/rules/{source.pk}/").content.decode()
    assert "还没有规则集" not in again


def test_console_copy_without_problems_opens_the_editor_and_same_version_copy_still_works() -> None:
    first, second = _versions(["reason", "amount"])
    source = _rule_set(first)
    client = login_client(make_staff("supervisor", DEPARTMENT).username)
    response = client.post(f"/console/rules/{source.pk}/copy/", {"item_version": second.pk})
    copy = RuleSet.objects.get(item_version=second)
    assert response.status_code == 302 and response["Location"] == f"/console/rules/{copy.pk}/edit/"
    same = client.post(f"/console/rules/{source.pk}/copy/", {"item_version": first.pk})
    assert same.status_code == 302 and RuleSet.objects.filter(item_version=first).count() == 2
    other, _ = _versions(["reason"])
    assert client.post(f"/console/rules/{source.pk}/copy/", {"item_version": other.pk}).status_code == 404


def test_api_copies_and_returns_the_problems() -> None:
    from django.test import Client

    from pengcheng.rules.tests.test_web import _api

    first, second = _versions(["amount"])
    source = _rule_set(first)
    headers, _ = _api(make_staff("supervisor", DEPARTMENT).username)
    response = Client().post(
        f"/api/v1/rules/rule-sets/{source.pk}/copy",
        data={"item_version": second.pk},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["rule_set"]["item_version"] == second.pk and body["rule_set"]["state"] == "draft"
    assert list(body["problems"]) == ["no_reason"]
