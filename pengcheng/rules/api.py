"""Rules JSON API: rule sets (list, create, read, publish, retire), dry runs, simulation, decisions,
policies and the policy-matching run. Staff only (supervisors of the item's department, operators)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from pengcheng.api import actor_of, require_scope
from pengcheng.applications import selectors as application_selectors
from pengcheng.catalog.models import ItemVersion, ServiceItem
from pengcheng.core.errors import NotFound, ValidationFailed
from pengcheng.core.models import Department
from pengcheng.rules import engine, selectors, services
from pengcheng.rules.models import Decision, Policy, RuleSet

router = Router(tags=["rules"])
SCOPE = "rules"


class RuleIn(Schema):
    key: str = Field(..., max_length=60)
    expression: str = Field(..., max_length=4000)
    outcome: str
    reason: str = Field(..., max_length=300)
    reason_en: str = Field("", max_length=300)


class CaseIn(Schema):
    name: str = Field(..., max_length=200)
    input: dict[str, Any]
    expected: str


class RuleSetIn(Schema):
    item_version: int = Field(..., description="id of the catalog item version")
    rules: list[RuleIn]
    test_cases: list[CaseIn] = []
    note: str = Field("", max_length=300)
    effective_from: dt.datetime | None = None
    effective_until: dt.datetime | None = None


class RuleSetOut(Schema):
    id: int
    item: str
    item_version: int
    number: int
    state: str
    note: str
    effective_from: dt.datetime | None
    effective_until: dt.datetime | None
    published_at: dt.datetime | None
    rules: list[RuleIn]
    test_cases: list[dict[str, Any]]


class EvaluateIn(Schema):
    form: dict[str, Any] = {}
    registry: dict[str, Any] = {}
    licences: dict[str, Any] = {}
    today: dt.date | None = None


class PublishIn(Schema):
    effective_from: dt.datetime | None = None


class CopyIn(Schema):
    item_version: int = Field(..., description="id of a newer version of the same catalog item")


class CopyOut(Schema):
    rule_set: RuleSetOut  # the new draft
    problems: dict[str, list[str]]  # by rule key: what the new item version no longer has (fix before publishing)


class EvaluationOut(Schema):
    outcome: str
    rule: str
    reason: str
    reason_en: str
    explanation: dict[str, Any]
    duration_ms: float


class SimulationOut(Schema):
    rule_set: int
    total: int
    changed: int
    outcomes: dict[str, int]
    transitions: dict[str, int]
    subjects: int  # people and companies whose (today's) registry data was read
    data_uses: int  # data-use records logging those reads (the citizen's "who used my data")
    changes: list[dict[str, Any]]


class DecisionOut(Schema):
    application: str
    outcome: str
    rule: str
    reason: str
    reason_en: str
    explanation: dict[str, Any]
    created_at: dt.datetime


class PolicyIn(Schema):
    name: str = Field(..., max_length=200)
    name_en: str = Field("", max_length=300)
    kind: str
    subject: str
    department: str = Field(..., description="department code")
    summary: str
    expression: str = Field(..., max_length=4000)
    item: str = Field("", description="item code for one-click application")
    is_active: bool = True
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None


class PolicyOut(Schema):
    code: str
    name: str
    kind: str
    subject: str
    expression: str
    item: str | None
    is_active: bool
    matched: int
    notified: int
    applied: int


def rule_set_out(rule_set: RuleSet) -> dict[str, Any]:
    return {
        "id": rule_set.pk,
        "item": rule_set.item_version.item.code,
        "item_version": rule_set.item_version_id,
        "number": rule_set.number,
        "state": rule_set.state,
        "note": rule_set.note,
        "effective_from": rule_set.effective_from,
        "effective_until": rule_set.effective_until,
        "published_at": rule_set.published_at,
        "rules": [
            {
                "key": r.key,
                "expression": r.expression,
                "outcome": r.outcome,
                "reason": r.reason,
                "reason_en": r.reason_en,
            }
            for r in rule_set.rules.all()
        ],
        "test_cases": [
            {
                "name": r.case.name,
                "input": r.case.input,
                "expected": r.case.expected,
                "outcome": r.outcome,
                "passed": r.passed,
            }
            for r in services.run_tests(rule_set)
        ],
    }


def evaluation_out(evaluation: engine.Evaluation) -> dict[str, Any]:
    return {
        "outcome": evaluation.outcome,
        "rule": evaluation.rule,
        "reason": evaluation.reason,
        "reason_en": evaluation.reason_en,
        "explanation": evaluation.explanation(),
        "duration_ms": evaluation.duration_ms,
    }


def _rule_set(request: HttpRequest, pk: int) -> RuleSet:
    require_scope(request, SCOPE)
    return selectors.rule_set_for(actor_of(request), pk)


@router.get("/rule-sets", response=list[RuleSetOut], summary="Rule sets the caller may edit")
def list_rule_sets(request: HttpRequest, item: str = "") -> list[dict[str, Any]]:
    require_scope(request, SCOPE)
    found = selectors.editable_rule_sets(actor_of(request))
    if item:
        found = found.filter(item_version__item__code=item)
    return [rule_set_out(r) for r in found[:100]]


@router.post("/rule-sets", response={201: RuleSetOut}, summary="Create a draft rule set (validated)")
def create_rule_set(request: HttpRequest, body: RuleSetIn) -> Status:
    require_scope(request, SCOPE)
    version = ItemVersion.objects.select_related("item").filter(pk=body.item_version).first()
    if version is None:
        raise NotFound("No such item version.")
    rule_set = services.save_rule_set(
        actor_of(request),
        version,
        rules=[services.RuleInput(**r.dict()) for r in body.rules],
        test_cases=[services.CaseInput(**c.dict()) for c in body.test_cases],
        note=body.note,
        effective_from=body.effective_from,
        effective_until=body.effective_until,
    )
    return Status(201, rule_set_out(rule_set))


@router.get("/rule-sets/{pk}", response=RuleSetOut, summary="One rule set with its test results")
def get_rule_set(request: HttpRequest, pk: int) -> dict[str, Any]:
    return rule_set_out(_rule_set(request, pk))


@router.post("/rule-sets/{pk}/publish", response=RuleSetOut, summary="Publish (test cases must pass)")
def publish_rule_set(request: HttpRequest, pk: int, body: PublishIn) -> dict[str, Any]:
    rule_set = services.publish(actor_of(request), _rule_set(request, pk), effective_from=body.effective_from)
    return rule_set_out(rule_set)


@router.post(
    "/rule-sets/{pk}/copy", response={201: CopyOut}, summary="Copy to a newer item version as a draft (problems listed)"
)
def copy_rule_set(request: HttpRequest, pk: int, body: CopyIn) -> Status:
    rule_set = _rule_set(request, pk)
    version = ItemVersion.objects.select_related("item").filter(pk=body.item_version).first()
    if version is None:
        raise NotFound("No such item version.")
    result = services.copy_to_version(actor_of(request), rule_set, version)
    return Status(201, {"rule_set": rule_set_out(result.rule_set), "problems": result.problems})


@router.post("/rule-sets/{pk}/retire", response=RuleSetOut, summary="Retire a published rule set")
def retire_rule_set(request: HttpRequest, pk: int) -> dict[str, Any]:
    return rule_set_out(services.retire(actor_of(request), _rule_set(request, pk)))


@router.post("/rule-sets/{pk}/evaluate", response=EvaluationOut, summary="Dry run on an input; nothing is stored")
def evaluate(request: HttpRequest, pk: int, body: EvaluateIn) -> dict[str, Any]:
    data = body.dict()
    data["today"] = body.today.isoformat() if body.today else None
    return evaluation_out(services.dry_run(actor_of(request), _rule_set(request, pk), data))


@router.post("/rule-sets/{pk}/simulate", response=SimulationOut, summary="Run against past applications")
def simulate(request: HttpRequest, pk: int) -> dict[str, Any]:
    return services.simulate(actor_of(request), _rule_set(request, pk)).as_dict()


@router.get("/decisions/{number}", response=list[DecisionOut], summary="The rules' decisions on an application")
def decisions(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    actor = actor_of(request)
    try:
        application = application_selectors.for_applicant(actor, number)
    except NotFound:
        application = application_selectors.for_staff(actor, number)
    return [
        {
            "application": application.number,
            "outcome": d.outcome,
            "rule": d.rule,
            "reason": d.reason,
            "reason_en": d.reason_en,
            "explanation": d.explanation,
            "created_at": d.created_at,
        }
        for d in Decision.objects.filter(application=application)
    ]


@router.get("/policies", response=list[PolicyOut], summary="Policies and how many were matched, notified, applied")
def policies(request: HttpRequest) -> list[dict[str, Any]]:
    require_scope(request, SCOPE)
    return [
        {
            "code": row["policy"].code,
            "name": row["policy"].name,
            "kind": row["policy"].kind,
            "subject": row["policy"].subject,
            "expression": row["policy"].expression,
            "item": row["policy"].item.code if row["policy"].item else None,
            "is_active": row["policy"].is_active,
            "matched": row["matched"],
            "notified": row["notified"],
            "applied": row["applied"],
        }
        for row in selectors.policy_reach(actor_of(request))
    ]


@router.post("/policies/match", response={202: dict[str, str]}, summary="Queue a policy-matching run now")
def match_now(request: HttpRequest) -> Status:
    require_scope(request, SCOPE)
    services.request_matching(actor_of(request))
    return Status(202, {"status": "queued"})


@router.put("/policies/{code}", response=PolicyOut, summary="Create or change a policy (rule validated)")
def put_policy(request: HttpRequest, code: str, body: PolicyIn) -> dict[str, Any]:
    require_scope(request, SCOPE)
    actor = actor_of(request)
    department = Department.objects.filter(code=body.department).first()
    if department is None:
        raise ValidationFailed({"department": ["No such department."]})
    item = ServiceItem.objects.filter(code=body.item).first() if body.item else None
    if body.item and item is None:
        raise ValidationFailed({"item": ["No such item."]})
    data = body.dict()
    data.update(code=code, department=department, item=item)
    policy = services.save_policy(actor, services.PolicyInput(**data), Policy.objects.filter(code=code).first())
    reach = next(row for row in selectors.policy_reach(actor) if row["policy"].pk == policy.pk)
    return {
        **{k: getattr(policy, k) for k in ("code", "name", "kind", "subject", "expression", "is_active")},
        "item": item.code if item else None,
        "matched": reach["matched"],
        "notified": reach["notified"],
        "applied": reach["applied"],
    }
