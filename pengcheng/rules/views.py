"""Console pages (rule sets: edit with test cases, publish, simulate; 秒报/秒批 figures; policies) and the
citizen's "policies for me" page with one-click application."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from pengcheng.catalog.models import ItemVersion
from pengcheng.core.console_views import staff_required
from pengcheng.core.errors import NotFound, ValidationFailed
from pengcheng.core.models import User
from pengcheng.core.selectors import acting_company
from pengcheng.rules import selectors, services
from pengcheng.rules.models import DeclaredProfile, Outcome, PolicyMatch, RuleSet, RuleSetState, Subject

BLANK_RULES = 2
BLANK_CASES = 2


@staff_required
def rule_sets(request: HttpRequest) -> HttpResponse:
    """The rule sets the actor may edit, and the items (by code) to start one for."""
    found = list(selectors.editable_rule_sets(request.user)[:300])
    code = request.GET.get("item", "").strip()
    versions: list[ItemVersion] = []
    if code:
        versions = list(
            ItemVersion.objects.filter(item__code__icontains=code, item__current_version__isnull=False)
            .select_related("item")
            .order_by("item__code", "-number")[:20]
        )
        versions = [v for v in versions if services.can_edit(request.user, v)]
    return render(request, "rules/rule_sets.html", {"rule_sets": found, "versions": versions, "code": code})


def _rows(post: Any) -> tuple[list[services.RuleInput], list[services.CaseInput], dict[str, list[str]]]:
    rules: list[services.RuleInput] = []
    cases: list[services.CaseInput] = []
    errors: dict[str, list[str]] = {}
    for index in range(int(post.get("rule_count", 0) or 0)):
        expression = post.get(f"rule-{index}-expression", "").strip()
        key = post.get(f"rule-{index}-key", "").strip()
        if not expression and not key:
            continue
        rules.append(
            services.RuleInput(
                key=key,
                expression=expression,
                outcome=post.get(f"rule-{index}-outcome", ""),
                reason=post.get(f"rule-{index}-reason", "").strip(),
                reason_en=post.get(f"rule-{index}-reason_en", "").strip(),
            )
        )
    for index in range(int(post.get("case_count", 0) or 0)):
        name = post.get(f"case-{index}-name", "").strip()
        raw = post.get(f"case-{index}-input", "").strip()
        if not name and not raw:
            continue
        try:
            value = json.loads(raw or "{}")
        except json.JSONDecodeError as exc:
            errors[f"test_cases.{len(cases)}.input"] = [
                _("Not valid JSON: %(message)s (line %(line)s, column %(column)s).")
                % {"message": exc.msg, "line": exc.lineno, "column": exc.colno}
            ]
            value = {}
        cases.append(services.CaseInput(name=name, input=value, expected=post.get(f"case-{index}-expected", "")))
    return rules, cases, errors


def _moment(raw: str) -> dt.datetime | None:
    if not raw:
        return None
    parsed = parse_datetime(raw) or parse_datetime(raw + "T00:00")
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _form_rows(rules: list[Any], cases: list[Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    rule_rows = []
    for index, rule in enumerate([*rules, *([None] * BLANK_RULES)]):
        rule_rows.append(
            {
                "index": index,
                "rule": rule,
                "errors": {
                    name: errors.get(f"rules.{index}.{name}", []) for name in ("key", "expression", "outcome", "reason")
                },
            }
        )
    case_rows = []
    for index, case in enumerate([*cases, *([None] * BLANK_CASES)]):
        raw = json.dumps(case.input, ensure_ascii=False, indent=1) if case is not None else ""
        case_rows.append(
            {
                "index": index,
                "case": case,
                "raw": raw,
                "errors": {
                    name: errors.get(f"test_cases.{index}.{name}", []) for name in ("name", "input", "expected")
                },
            }
        )
    return {"rule_rows": rule_rows, "case_rows": case_rows, "outcomes": Outcome.choices}


def _editor(request: HttpRequest, version: ItemVersion, rule_set: RuleSet | None) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    if rule_set is not None:
        rules: list[Any] = list(rule_set.rules.all())
        cases: list[Any] = list(rule_set.test_cases.all())
    else:
        rules, cases = [], []
    note = rule_set.note if rule_set else ""
    effective_from = rule_set.effective_from if rule_set else None
    effective_until = rule_set.effective_until if rule_set else None
    if request.method == "POST":
        rules, cases, errors = _rows(request.POST)
        note = request.POST.get("note", "")
        effective_from = _moment(request.POST.get("effective_from", ""))
        effective_until = _moment(request.POST.get("effective_until", ""))
        if not errors:
            try:
                saved = services.save_rule_set(
                    request.user,
                    version,
                    rules=rules,
                    test_cases=cases,
                    note=note,
                    effective_from=effective_from,
                    effective_until=effective_until,
                    rule_set=rule_set,
                )
            except ValidationFailed as exc:
                errors = exc.field_errors
            else:
                messages.success(request, _("The rule set was saved as a draft."))
                return redirect("rules:detail", pk=saved.pk)
    else:
        services.require_editor(request.user, version, "rules.edit")
    context = {
        "version": version,
        "rule_set": rule_set,
        "note": note,
        "effective_from": effective_from,
        "effective_until": effective_until,
        "errors": errors,
        "general_errors": [m for k, v in errors.items() if "." not in k for m in v],
        "form_fields": sorted(services.form_fields_of(version)),
        "registry_schema": services.registry_selectors.attribute_schema(),
        **_form_rows(rules, cases, errors),
    }
    return render(request, "rules/edit.html", context, status=422 if errors else 200)


@staff_required
def edit(request: HttpRequest, version_id: int) -> HttpResponse:
    version = ItemVersion.objects.select_related("item").filter(pk=version_id).first()
    if version is None:
        raise NotFound(_("No such item version."))
    return _editor(request, version, None)


@staff_required
def edit_existing(request: HttpRequest, pk: int) -> HttpResponse:
    rule_set = selectors.rule_set_for(request.user, pk)
    if rule_set.state != RuleSetState.DRAFT:
        messages.error(request, _("Only a draft can be changed; make a new version instead."))
        return redirect("rules:detail", pk=pk)
    return _editor(request, rule_set.item_version, rule_set)


@staff_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule_set = selectors.rule_set_for(request.user, pk)
    dry_input = request.POST.get("input", "") if request.method == "POST" else ""
    dry_run = None
    dry_error = ""
    if request.method == "POST":
        try:
            dry_run = services.dry_run(request.user, rule_set, json.loads(dry_input or "{}"))
        except json.JSONDecodeError as exc:
            dry_error = _("Not valid JSON: %(message)s (line %(line)s, column %(column)s).") % {
                "message": exc.msg,
                "line": exc.lineno,
                "column": exc.colno,
            }
    newer = selectors.newer_versions(rule_set)
    return render(
        request,
        "rules/detail.html",
        {
            "rule_set": rule_set,
            "rules": list(rule_set.rules.all()),
            "results": services.run_tests(rule_set),
            "in_force": selectors.in_force(rule_set.item_version),
            "newer_versions": newer,
            # The newest item version has no rule set yet: its applications all go to a clerk.
            "needs_copy": bool(newer) and not RuleSet.objects.filter(item_version=newer[0]).exists(),
            "problems": services.draft_problems(rule_set),
            "dry_input": dry_input,
            "dry_run": dry_run,
            "dry_error": dry_error,
        },
    )


@staff_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    rule_set = selectors.rule_set_for(request.user, pk)
    try:
        services.publish(request.user, rule_set, effective_from=_moment(request.POST.get("effective_from", "")))
    except ValidationFailed as exc:
        for field_messages in exc.field_errors.values():
            for message in field_messages:
                messages.error(request, message)
    else:
        messages.success(request, _("The rule set was published."))
    return redirect("rules:detail", pk=pk)


@staff_required
@require_POST
def retire(request: HttpRequest, pk: int) -> HttpResponse:
    services.retire(request.user, selectors.rule_set_for(request.user, pk))
    messages.success(request, _("The rule set was retired."))
    return redirect("rules:detail", pk=pk)


@staff_required
@require_POST
def copy(request: HttpRequest, pk: int) -> HttpResponse:
    """A new draft from a rule set: on its own item version, or copied to a newer one (``item_version``;
    without it, the item's current version)."""
    rule_set = selectors.rule_set_for(request.user, pk)
    source = rule_set.item_version
    raw = request.POST.get("item_version", "")
    if raw:
        target = ItemVersion.objects.filter(pk=int(raw) if raw.isdigit() else 0, item_id=source.item_id).first()
        if target is None:
            raise NotFound(_("No such item version."))
    else:
        target = source.item.current_version or source
    if target.pk == source.pk:
        created = services.new_version(request.user, rule_set)
        messages.success(request, _("A new draft was made."))
        return redirect("rules:edit", pk=created.pk)
    result = services.copy_to_version(request.user, rule_set, target)
    if not result.problems:
        messages.success(
            request,
            _("The rule set was copied to item version %(version)s as a draft; every field it reads still exists.")
            % {"version": target.number},
        )
        return redirect("rules:edit", pk=result.rule_set.pk)
    messages.warning(
        request,
        ngettext(
            "The rule set was copied to item version %(version)s as a draft, but %(count)s rule reads what that "
            "version no longer has. Fix it (listed below) before publishing.",
            "The rule set was copied to item version %(version)s as a draft, but %(count)s rules read what that "
            "version no longer has. Fix them (listed below) before publishing.",
            len(result.problems),
        )
        % {"version": target.number, "count": len(result.problems)},
    )
    return redirect("rules:detail", pk=result.rule_set.pk)


@staff_required
def simulate(request: HttpRequest, pk: int) -> HttpResponse:
    rule_set = selectors.rule_set_for(request.user, pk)
    result = services.simulate(request.user, rule_set) if request.method == "POST" else None
    return render(request, "rules/simulate.html", {"rule_set": rule_set, "result": result})


@staff_required
def stats(request: HttpRequest) -> HttpResponse:
    return render(request, "rules/stats.html", {"s": selectors.stats(request.user)})


@staff_required
def policies(request: HttpRequest) -> HttpResponse:
    return render(request, "rules/policies.html", {"rows": selectors.policy_reach(request.user)})


@staff_required
def policy_edit(request: HttpRequest, code: str = "") -> HttpResponse:
    """Create or change a policy: its eligibility rule is checked like an approval rule."""
    from pengcheng.catalog.models import ServiceItem
    from pengcheng.core.models import Department
    from pengcheng.core.permissions import require_platform_role
    from pengcheng.rules.models import Policy, PolicyKind

    require_platform_role(request.user, action="rules.policy_edit")
    policy = Policy.objects.filter(code=code).first() if code else None
    if code and policy is None:
        raise NotFound(_("No such policy."))
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "code": policy.code if policy else "",
        "name": policy.name if policy else "",
        "kind": policy.kind if policy else PolicyKind.SUBSIDY,
        "subject": policy.subject if policy else Subject.PERSON,
        "department": policy.department.code if policy else "",
        "summary": policy.summary if policy else "",
        "expression": policy.expression if policy else "",
        "item": policy.item.code if policy and policy.item else "",
        "is_active": policy.is_active if policy else True,
    }
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in values}
        values["is_active"] = request.POST.get("is_active") == "on"
        department = Department.objects.filter(code=values["department"]).first()
        item = ServiceItem.objects.filter(code=values["item"]).first() if values["item"] else None
        if department is None:
            errors["department"] = [_("No such department.")]
        if values["item"] and item is None:
            errors["item"] = [_("No such item.")]
        if not errors and department is not None:
            try:
                saved = services.save_policy(
                    request.user,
                    services.PolicyInput(
                        code=policy.code if policy else values["code"],
                        name=values["name"],
                        kind=values["kind"],
                        subject=values["subject"],
                        department=department,
                        summary=values["summary"],
                        expression=values["expression"],
                        item=item,
                        is_active=values["is_active"],
                        name_en=policy.name_en if policy else "",
                    ),
                    policy,
                )
            except ValidationFailed as exc:
                errors = exc.field_errors
            else:
                messages.success(request, _("The policy %(name)s was saved.") % {"name": saved.name})
                return redirect("rules:policies")
    return render(
        request,
        "rules/policy_edit.html",
        {
            "policy": policy,
            "values": values,
            "errors": errors,
            "kinds": PolicyKind.choices,
            "subjects": Subject.choices,
        },
        status=422 if errors else 200,
    )


@staff_required
@require_POST
def run_matching(request: HttpRequest) -> HttpResponse:
    services.request_matching(request.user)
    messages.success(request, _("Policy matching was queued; the figures update when it has run."))
    return redirect("rules:policies")


@login_required
def my_policies(request: HttpRequest) -> HttpResponse:
    """The citizen's matched policies, and the self-declared data used for matching (with consent)."""
    user = request.user
    assert isinstance(user, User)
    company = acting_company(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        names = services.COMPANY_DECLARABLE if company else services.PERSON_DECLARABLE
        data = {name: request.POST.get(name, "") for name in names}
        try:
            services.declare(user, data, consent=request.POST.get("consent") == "on", company=company)
        except ValidationFailed as exc:
            errors = exc.field_errors
        else:
            messages.success(request, _("Your declaration was saved."))
            return redirect("rules:my_policies")
    identifier = company.credit_code if company else (user.id_number or "")
    profile = DeclaredProfile.objects.filter(
        subject=Subject.COMPANY if company else Subject.PERSON, identifier=identifier
    ).first()
    return render(
        request,
        "rules/my_policies.html",
        {
            "matches": selectors.policies_for(user),
            "profile": profile,
            "company": company,
            "declarable": [
                (name, services.DECLARABLE[name] is bool, (profile.data.get(name) if profile else None))
                for name in (services.COMPANY_DECLARABLE if company else services.PERSON_DECLARABLE)
            ],
            "errors": errors,
        },
        status=422 if errors else 200,
    )


@login_required
def letter(request: HttpRequest, number: str) -> HttpResponse:
    """The sealed 准予决定书 of an instantly approved application."""
    from pengcheng.applications.selectors import for_applicant

    application = for_applicant(request.user, number)
    content = services.approval_letter(request.user, application)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{number}.pdf"'
    return response


@login_required
@require_POST
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    match = PolicyMatch.objects.select_related("policy", "policy__item").filter(pk=pk).first()
    if match is None:
        raise NotFound(_("No such policy match."))
    application = services.start_from_match(request.user, match)
    return redirect("applications:edit", number=application.number)
