"""Console pages, the applicant's decision panel, and the JSON API."""

import datetime as dt
import json

import pytest

from pengcheng.catalog.models import ServiceItem
from pengcheng.rules import selectors
from pengcheng.rules.models import RuleSet, RuleSetState
from pengcheng.rules.tests.conftest import apply_for_allowance, elder
from pengcheng.testing import login_client, make_staff

pytestmark = pytest.mark.django_db


def _supervisor():
    return login_client(make_staff("supervisor", "440304-ZSJ").username)


def test_rule_set_pages_render(allowance_item) -> None:
    client = _supervisor()
    rule_set = selectors.in_force(allowance_item.current)
    assert rule_set is not None
    listing = client.get("/console/rules/").content.decode()
    assert "440304MZ1001" in listing and "440303MZ1001" not in listing  # own district only
    detail = client.get(f"/console/rules/{rule_set.pk}/").content.decode()
    assert "eligible" in detail and "years_between" in detail
    assert client.get(f"/console/rules/{rule_set.pk}/simulate/").status_code == 200
    assert client.post(f"/console/rules/{rule_set.pk}/simulate/").status_code == 200
    other = login_client(make_staff("supervisor", "440303-ZSJ").username)
    assert other.get(f"/console/rules/{rule_set.pk}/").status_code == 404
    assert login_client(make_staff("clerk", "440304-ZSJ").username).get("/console/rules/").status_code == 403


def test_editor_shows_errors_with_position_then_saves_and_publishes(allowance_item) -> None:
    client = _supervisor()
    version = allowance_item.current
    post = {
        "rule_count": "2",
        "case_count": "1",
        "rule-0-key": "old",
        "rule-0-expression": "years_between(registry.population.birth_date, today) >=",
        "rule-0-outcome": "approve",
        "rule-0-reason": "年满",
        "rule-1-key": "typo",
        "rule-1-expression": "form.birthday != ''",
        "rule-1-outcome": "refer",
        "rule-1-reason": "其他",
        "case-0-name": "九十岁",
        "case-0-input": json.dumps({"registry": {"population": {"birth_date": "1930-01-01"}}, "today": "2026-01-01"}),
        "case-0-expected": "approve",
    }
    response = client.post(f"/console/rules/new/{version.pk}/", post)
    page = response.content.decode()
    assert response.status_code == 422
    assert "line 1, column" in page or "第 1 行" in page
    assert "birthday" in page
    post["rule-0-expression"] += " 90"
    post["rule-1-expression"] = "true"
    response = client.post(f"/console/rules/new/{version.pk}/", post)
    assert response.status_code == 302
    rule_set = RuleSet.objects.filter(item_version=version).order_by("-number").first()
    assert rule_set is not None
    assert rule_set.state == RuleSetState.DRAFT and rule_set.rules.count() == 2
    assert client.post(f"/console/rules/{rule_set.pk}/publish/").status_code == 302
    rule_set.refresh_from_db()
    assert rule_set.state == RuleSetState.PUBLISHED


def test_the_applicant_sees_the_decision_and_the_clerk_the_explanation(allowance_item) -> None:
    from pengcheng.testing import community, make_citizen

    approved = apply_for_allowance(elder(dt.date(1940, 1, 1)), allowance_item)
    page = login_client(approved.applicant.username).get(f"/my/applications/{approved.number}/").content.decode()
    assert "rules-decision-title" in page and "eligible" in page
    stranger = make_citizen(residence=community("440304"))
    referred = apply_for_allowance(stranger, allowance_item)
    clerk = login_client(make_staff("clerk", "440304-ZSJ").username)
    page = clerk.get(f"/console/applications/{referred.number}/").content.decode()
    assert "rules-decision-title" in page and "no_population_record" in page
    queue = clerk.get("/console/applications/", {"q": referred.number}).content.decode()
    assert referred.number in queue and ("referred by the rules" in queue or "秒批规则转人工" in queue)


def test_operator_pages(demo_city) -> None:
    client = login_client(make_staff("operator", "440300-ZSJ").username)
    stats = client.get("/console/instant-services/")
    assert stats.status_code == 200 and "440300GA0001" in stats.content.decode()
    policies = client.get("/console/policies/")
    assert policies.status_code == 200 and "高龄老人津贴" in policies.content.decode()
    assert client.post("/console/policies/run/").status_code == 302


def _api(username: str) -> tuple:
    from pengcheng.core.models import User
    from pengcheng.core.services import create_api_key

    user = User.objects.get(username=username)
    raw = create_api_key(user, name="rules test", scopes=["rules", "applications"], owner=user).raw
    return {"HTTP_X_API_KEY": raw}, user


def test_api_rule_sets_evaluate_simulate_policies(allowance_item) -> None:
    from django.test import Client

    supervisor = make_staff("supervisor", "440304-ZSJ")
    headers, _ = _api(supervisor.username)
    client = Client()
    version = allowance_item.current
    listed = client.get("/api/v1/rules/rule-sets?item=440304MZ1001", **headers).json()
    assert listed[0]["state"] == "published" and all(c["passed"] for c in listed[0]["test_cases"])
    pk = listed[0]["id"]
    result = client.post(
        f"/api/v1/rules/rule-sets/{pk}/evaluate",
        data={"registry": {"population": {"birth_date": "1930-01-01", "household_division": "440304"}}},
        content_type="application/json",
        **headers,
    ).json()
    assert result["outcome"] == "approve" and result["explanation"]["rules"][-1]["status"] == "fired"
    bad = client.post(
        "/api/v1/rules/rule-sets",
        data={
            "item_version": version.pk,
            "rules": [{"key": "x", "expression": "form.(", "outcome": "approve", "reason": "x"}],
        },
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422
    (detail,) = bad.json()["error"]["details"]
    assert detail["field"] == "rules.0.expression" and (
        "column 6" in detail["message"] or "第 6 列" in detail["message"]
    )
    created = client.post(
        "/api/v1/rules/rule-sets",
        data={
            "item_version": version.pk,
            "rules": [{"key": "all", "expression": "true", "outcome": "refer", "reason": "人工"}],
            "test_cases": [{"name": "any", "input": {}, "expected": "refer"}],
        },
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201
    new_pk = created.json()["id"]
    simulated = client.post(f"/api/v1/rules/rule-sets/{new_pk}/simulate", **headers).json()
    assert simulated["rule_set"] == new_pk and "changed" in simulated
    published = client.post(
        f"/api/v1/rules/rule-sets/{new_pk}/publish", data={}, content_type="application/json", **headers
    )
    assert published.json()["state"] == "published"
    assert client.get("/api/v1/rules/policies", **headers).status_code == 403  # operators only
    operator_headers, _ = _api(make_staff("operator", "440300-ZSJ").username)
    policies = client.get("/api/v1/rules/policies", **operator_headers).json()
    assert {"old-age-allowance", "high-tech-tax"} <= {p["code"] for p in policies}
    item = ServiceItem.objects.get(code="440300RS0001")
    put = client.put(
        "/api/v1/rules/policies/test-api",
        data={
            "name": "测试",
            "kind": "subsidy",
            "subject": "person",
            "department": "440300-RSJ",
            "summary": "s",
            "expression": "has(declared.employed) && declared.employed",
            "item": item.code,
        },
        content_type="application/json",
        **operator_headers,
    )
    assert put.status_code == 200 and put.json()["item"] == item.code
    assert client.post("/api/v1/rules/policies/match", **operator_headers).status_code == 202


def test_api_decisions_for_the_applicant(allowance_item) -> None:
    from django.test import Client

    application = apply_for_allowance(elder(dt.date(1940, 1, 1)), allowance_item)
    headers, _ = _api(application.applicant.username)
    found = Client().get(f"/api/v1/rules/decisions/{application.number}", **headers).json()
    assert found[0]["outcome"] == "approve" and found[0]["explanation"]["rule"] == "eligible"


def test_the_applicant_downloads_the_sealed_approval_letter(allowance_item) -> None:
    from pypdf import PdfReader

    approved = apply_for_allowance(elder(dt.date(1940, 1, 1)), allowance_item)
    client = login_client(approved.applicant.username)
    page = client.get(f"/my/applications/{approved.number}/").content.decode()
    assert f"/my/applications/{approved.number}/approval-letter.pdf" in page
    response = client.get(f"/my/applications/{approved.number}/approval-letter.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    import io

    reader = PdfReader(io.BytesIO(response.content))
    text = reader.pages[0].extract_text().replace("\x00", "")  # the CJK font extracts with NULs
    assert "准予决定书" in text and approved.number in text and reader.get_fields()  # signed
    other = elder()
    assert (
        login_client(other.username).get(f"/my/applications/{approved.number}/approval-letter.pdf").status_code == 404
    )


def test_operator_creates_and_changes_a_policy_in_the_console(demo_city) -> None:
    from pengcheng.rules.models import Policy

    client = login_client(make_staff("operator", "440300-ZSJ").username)
    assert client.get("/console/policies/new/").status_code == 200
    data = {"code": "console-test", "name": "测试政策", "kind": "subsidy", "subject": "person",
            "department": "440300-MZJ", "summary": "说明", "expression": "registry.population.salary > 1",
            "item": "", "is_active": "on"}  # fmt: skip
    refused = client.post("/console/policies/new/", data)
    assert refused.status_code == 422 and "salary" in refused.content.decode()
    data["expression"] = "has(declared.employed) && declared.employed"
    assert client.post("/console/policies/new/", data).status_code == 302
    policy = Policy.objects.get(code="console-test")
    assert policy.is_active and policy.expression.startswith("has(")
    data.pop("is_active")
    assert client.post("/console/policies/console-test/", data).status_code == 302
    policy.refresh_from_db()
    assert not policy.is_active
    assert (
        login_client(make_staff("supervisor", "440304-ZSJ").username).get("/console/policies/new/").status_code == 403
    )
