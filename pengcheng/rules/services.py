"""Rule sets (save, validate, test, publish, retire), decisions at submission, simulation, policies and
declared-profile consent. Every change is audited; every function checks its own permission."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.applications.hooks import SubmitDecision
from pengcheng.applications.models import Application, State
from pengcheng.audit.services import record as audit
from pengcheng.catalog.models import ItemVersion, ServiceItem
from pengcheng.core.actors import SYSTEM, MaybeActor
from pengcheng.core.errors import AccessDenied, Conflict, ValidationFailed
from pengcheng.core.models import Company, Department, User
from pengcheng.core.permissions import require_department, require_platform_role, scope_of
from pengcheng.licences.models import LicenceType
from pengcheng.prefill.services import SubjectRead, record_decision_reads, record_simulation_reads
from pengcheng.registries import selectors as registry_selectors
from pengcheng.rules import context as rule_context
from pengcheng.rules import engine
from pengcheng.rules.models import (
    Decision,
    DeclaredProfile,
    Outcome,
    Policy,
    PolicyMatch,
    Rule,
    RuleSet,
    RuleSetState,
    Subject,
    TestCase,
)
from pengcheng.rules.selectors import EDITOR_ROLES, in_force

logger = logging.getLogger(__name__)


# Permissions ------------------------------------------------------------------------------------------


def require_editor(actor: MaybeActor, item_version: ItemVersion, action: str) -> None:
    """Operators, or supervisors of the item's competent department."""
    require_department(actor, item_version.item.department_id, *EDITOR_ROLES, action=action, target=item_version)


# Validation -------------------------------------------------------------------------------------------


def _where(ref: engine.Reference) -> str:
    return _("line %(line)s, column %(column)s") % {"line": ref.line, "column": ref.column}


def reference_problems(
    compiled: engine.Compiled,
    *,
    form_fields: set[str] | None,
    registry_schema: dict[str, dict[str, str]],
    licence_codes: set[str],
    roots: tuple[str, ...] = ("form", "registry", "licences", "today"),
) -> list[str]:
    """Names the expression reads that do not exist: form fields, registry attributes, licence types."""
    problems: list[str] = []
    for ref in compiled.unknown_roots:
        problems.append(_("Unknown name “%(name)s” (%(where)s).") % {"name": ref.path[0], "where": _where(ref)})
    for ref in (*compiled.references, *compiled.key_tests):
        root, rest = ref.path[0], ref.path[1:]
        if root not in roots:
            problems.append(_("“%(name)s” cannot be used here (%(where)s).") % {"name": root, "where": _where(ref)})
        elif root == "form" and rest and form_fields is not None and rest[0] not in form_fields:
            problems.append(
                _("The form has no field “%(field)s” (%(where)s).") % {"field": rest[0], "where": _where(ref)}
            )
        elif root == "registry" and rest:
            if rest[0] not in registry_schema:
                problems.append(
                    _("There is no registry “%(key)s” (%(where)s).") % {"key": rest[0], "where": _where(ref)}
                )
            elif len(rest) > 1 and rest[1] not in registry_schema[rest[0]]:
                problems.append(
                    _("The registry “%(key)s” has no attribute “%(field)s” (%(where)s).")
                    % {"key": rest[0], "field": rest[1], "where": _where(ref)}
                )
        elif root == "licences" and rest:
            if rest[0] not in licence_codes:
                problems.append(
                    _("There is no licence type “%(code)s” (%(where)s).") % {"code": rest[0], "where": _where(ref)}
                )
            elif len(rest) > 1 and rest[1] not in engine.LICENCE_KEYS:
                problems.append(
                    _("A licence has no “%(field)s”; use one of %(keys)s (%(where)s).")
                    % {"field": rest[1], "keys": ", ".join(sorted(engine.LICENCE_KEYS)), "where": _where(ref)}
                )
    return list(dict.fromkeys(problems))


def check_expression(
    expression: str,
    *,
    form_fields: set[str] | None,
    registry_schema: dict[str, dict[str, str]] | None = None,
    licence_codes: set[str] | None = None,
    roots: tuple[str, ...] = ("form", "registry", "licences", "today"),
) -> list[str]:
    """Problems with one expression: a syntax error with its position, or unknown names. Empty when fine."""
    try:
        compiled = engine.compile_expression(expression)
    except engine.RuleSyntaxError as exc:
        message = _("Syntax error at line %(line)s, column %(column)s.") % {"line": exc.line, "column": exc.column}
        return [f"{message}\n{exc.snippet}" if exc.snippet else message]
    return reference_problems(
        compiled,
        form_fields=form_fields,
        registry_schema=registry_schema if registry_schema is not None else registry_selectors.attribute_schema(),
        licence_codes=licence_codes
        if licence_codes is not None
        else set(LicenceType.objects.values_list("code", flat=True)),
        roots=roots,
    )


def form_fields_of(item_version: ItemVersion) -> set[str]:
    return set((item_version.form_schema or {}).get("properties", {}).keys())


@dataclass
class RuleInput:
    key: str
    expression: str
    outcome: str
    reason: str
    reason_en: str = ""


@dataclass
class CaseInput:
    name: str
    input: dict[str, Any]
    expected: str


def _validate(item_version: ItemVersion, rules: list[RuleInput], cases: list[CaseInput]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    fields = form_fields_of(item_version)
    schema = registry_selectors.attribute_schema()
    codes = set(LicenceType.objects.values_list("code", flat=True))
    if not rules:
        errors["rules"] = [_("Add at least one rule.")]
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        prefix = f"rules.{index}"
        if not rule.key or not rule.key.replace("_", "").replace("-", "").isalnum():
            errors.setdefault(f"{prefix}.key", []).append(_("Give the rule a key of letters, digits, - or _."))
        elif rule.key in seen:
            errors.setdefault(f"{prefix}.key", []).append(_("Two rules have the key “%(key)s”.") % {"key": rule.key})
        seen.add(rule.key)
        if rule.outcome not in engine.OUTCOMES:
            errors.setdefault(f"{prefix}.outcome", []).append(_("Choose approve, reject or refer."))
        if not rule.reason.strip():
            errors.setdefault(f"{prefix}.reason", []).append(_("Give the reason the applicant will read."))
        problems = check_expression(rule.expression, form_fields=fields, registry_schema=schema, licence_codes=codes)
        if problems:
            errors[f"{prefix}.expression"] = problems
    for index, case in enumerate(cases):
        prefix = f"test_cases.{index}"
        if not case.name.strip():
            errors.setdefault(f"{prefix}.name", []).append(_("Name the test case."))
        if case.expected not in engine.OUTCOMES:
            errors.setdefault(f"{prefix}.expected", []).append(_("Choose approve, reject or refer."))
        if not isinstance(case.input, dict) or set(case.input) - {"form", "registry", "licences", "today"}:
            errors.setdefault(f"{prefix}.input", []).append(
                _("The input is an object with form, registry, licences and today.")
            )
    return errors


@transaction.atomic
def save_rule_set(
    actor: MaybeActor,
    item_version: ItemVersion,
    *,
    rules: list[RuleInput],
    test_cases: list[CaseInput],
    note: str = "",
    effective_from: dt.datetime | None = None,
    effective_until: dt.datetime | None = None,
    rule_set: RuleSet | None = None,
) -> RuleSet:
    """Create a draft rule set, or replace a draft's rules and test cases. Syntax errors (with position)
    and unknown fields, registry attributes or licence types are refused."""
    require_editor(actor, item_version, "rules.save")
    if rule_set is not None:
        rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
        if rule_set.state != RuleSetState.DRAFT:
            raise Conflict(_("Only a draft can be changed; make a new version instead."), code="not_draft")
        if rule_set.item_version_id != item_version.pk:
            raise Conflict(_("This rule set belongs to another item version."))
    errors = _validate(item_version, rules, test_cases)
    if effective_from and effective_until and effective_until <= effective_from:
        errors.setdefault("effective_until", []).append(_("The end must come after the start."))
    if errors:
        raise ValidationFailed(errors, message=_("The rule set has problems; nothing was saved."))
    created = rule_set is None
    if rule_set is None:
        last = RuleSet.objects.filter(item_version=item_version).order_by("-number").first()
        rule_set = RuleSet(
            item_version=item_version,
            number=(last.number + 1) if last else 1,
            created_by=str(getattr(actor, "username", actor)),
        )
    rule_set.note = note[:300]
    rule_set.effective_from = effective_from
    rule_set.effective_until = effective_until
    rule_set.save()
    rule_set.rules.all().delete()
    rule_set.test_cases.all().delete()
    _write_rules(rule_set, rules, test_cases)
    audit(
        actor,
        "rules.created" if created else "rules.saved",
        rule_set,
        summary=f"{item_version.item.code} v{item_version.number} rules v{rule_set.number}: {len(rules)} rules",
        data={"rules": [vars(rule) for rule in rules], "test_cases": len(test_cases)},
    )
    return rule_set


def _write_rules(rule_set: RuleSet, rules: Sequence[RuleInput | Rule], cases: Sequence[CaseInput | TestCase]) -> None:
    """Insert ``rules`` (in order) and ``cases`` into an empty ``rule_set``."""
    Rule.objects.bulk_create(
        Rule(
            rule_set=rule_set,
            order=index,
            key=rule.key,
            expression=rule.expression,
            outcome=rule.outcome,
            reason=rule.reason[:300],
            reason_en=rule.reason_en[:300],
        )
        for index, rule in enumerate(rules)
    )
    TestCase.objects.bulk_create(
        TestCase(rule_set=rule_set, name=case.name[:200], input=case.input, expected=case.expected) for case in cases
    )


def specs_of(rule_set: RuleSet) -> list[engine.RuleSpec]:
    return [
        engine.RuleSpec(rule.key, rule.expression, rule.outcome, rule.reason, rule.reason_en)
        for rule in rule_set.rules.all().order_by("order", "pk")
    ]


def case_context(case_input: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """A test case's (or dry run's) input as the rules see it: ``today`` given as an ISO date."""
    raw_today = case_input.get("today")
    day = dt.date.fromisoformat(str(raw_today)[:10]) if raw_today else (today or timezone.localdate())
    return {
        "form": dict(case_input.get("form") or {}),
        "registry": _dates_in(dict(case_input.get("registry") or {})),
        "licences": dict(case_input.get("licences") or {}),
        "today": day,
    }


def _dates_in(registry: dict[str, Any]) -> dict[str, Any]:
    """Registry facts typed ``date`` in the schema become dates, as the selectors give them."""
    schema = registry_selectors.attribute_schema()
    out: dict[str, Any] = {}
    for key, facts in registry.items():
        kinds = schema.get(key, {})

        def typed(row: dict[str, Any], kinds: dict[str, str] = kinds) -> dict[str, Any]:
            converted = dict(row)
            for name, value in row.items():
                if kinds.get(name) == "date" and isinstance(value, str):
                    with contextlib.suppress(ValueError):
                        converted[name] = dt.date.fromisoformat(value)
            return converted

        out[key] = (
            [typed(r) for r in facts if isinstance(r, dict)]
            if isinstance(facts, list)
            else (typed(facts) if isinstance(facts, dict) else facts)
        )
    return out


@dataclass
class CaseResult:
    case: TestCase
    outcome: str
    passed: bool
    evaluation: engine.Evaluation


def run_tests(rule_set: RuleSet) -> list[CaseResult]:
    specs = specs_of(rule_set)
    results = []
    for case in rule_set.test_cases.all():
        evaluation = engine.evaluate(specs, case_context(case.input))
        results.append(CaseResult(case, evaluation.outcome, evaluation.outcome == case.expected, evaluation))
    return results


@transaction.atomic
def publish(actor: MaybeActor, rule_set: RuleSet, *, effective_from: dt.datetime | None = None) -> RuleSet:
    """Publish a draft. It must have test cases, and every one must pass; references are checked again
    (a form field or licence type may have gone since the draft was saved)."""
    rule_set = RuleSet.objects.select_for_update().select_related("item_version__item").get(pk=rule_set.pk)
    require_editor(actor, rule_set.item_version, "rules.publish")
    if rule_set.state != RuleSetState.DRAFT:
        raise Conflict(_("Only a draft can be published."), code="not_draft")
    rules = [RuleInput(r.key, r.expression, r.outcome, r.reason, r.reason_en) for r in rule_set.rules.all()]
    cases = [CaseInput(c.name, c.input, c.expected) for c in rule_set.test_cases.all()]
    errors = _validate(rule_set.item_version, rules, cases)
    if not cases:
        errors["test_cases"] = [_("Add test cases: a rule set is published only when its test cases pass.")]
    failed = [r for r in run_tests(rule_set) if not r.passed]
    if failed:
        errors["test_cases"] = [
            _("“%(name)s” expected %(expected)s but gave %(outcome)s.")
            % {"name": r.case.name, "expected": r.case.expected, "outcome": r.outcome}
            for r in failed
        ]
    if errors:
        raise ValidationFailed(errors, message=_("The rule set cannot be published."))
    now = timezone.now()
    rule_set.state = RuleSetState.PUBLISHED
    rule_set.published_at = now
    rule_set.published_by = str(getattr(actor, "username", actor))
    if effective_from is not None:
        rule_set.effective_from = effective_from
    elif rule_set.effective_from is None:
        rule_set.effective_from = now
    rule_set.save()
    audit(
        actor,
        "rules.published",
        rule_set,
        summary=f"{rule_set.item_version.item.code} rules v{rule_set.number} "
        f"from {rule_set.effective_from:%Y-%m-%d %H:%M}",
        data={
            "effective_from": rule_set.effective_from.isoformat() if rule_set.effective_from else None,
            "effective_until": rule_set.effective_until.isoformat() if rule_set.effective_until else None,
            "test_cases": len(cases),
            "rules": [r.key for r in rules],
        },
    )
    return rule_set


@transaction.atomic
def retire(actor: MaybeActor, rule_set: RuleSet) -> RuleSet:
    rule_set = RuleSet.objects.select_for_update().select_related("item_version__item").get(pk=rule_set.pk)
    require_editor(actor, rule_set.item_version, "rules.retire")
    if rule_set.state != RuleSetState.PUBLISHED:
        raise Conflict(_("Only a published rule set can be retired."), code="not_published")
    rule_set.state = RuleSetState.RETIRED
    rule_set.retired_at = timezone.now()
    rule_set.save(update_fields=["state", "retired_at"])
    audit(actor, "rules.retired", rule_set, summary=f"{rule_set.item_version.item.code} rules v{rule_set.number}")
    return rule_set


@transaction.atomic
def new_version(actor: MaybeActor, rule_set: RuleSet, item_version: ItemVersion | None = None) -> RuleSet:
    """A new draft copying a rule set's rules and test cases (optionally onto a newer item version)."""
    target = item_version or rule_set.item_version
    rules = [RuleInput(r.key, r.expression, r.outcome, r.reason, r.reason_en) for r in rule_set.rules.all()]
    cases = [CaseInput(c.name, c.input, c.expected) for c in rule_set.test_cases.all()]
    return save_rule_set(
        actor,
        target,
        rules=rules,
        test_cases=cases,
        note=_("copied from version %(number)s") % {"number": rule_set.number},
        effective_until=rule_set.effective_until,
    )


def rule_problems(item_version: ItemVersion, rules: list[RuleInput]) -> dict[str, list[str]]:
    """By rule key: what each rule reads that ``item_version`` (its form), the registries or the licence
    types do not have, or a syntax error. Empty when every rule fits."""
    fields = form_fields_of(item_version)
    schema = registry_selectors.attribute_schema()
    codes = set(LicenceType.objects.values_list("code", flat=True))
    found: dict[str, list[str]] = {}
    for rule in rules:
        problems = check_expression(rule.expression, form_fields=fields, registry_schema=schema, licence_codes=codes)
        if problems:
            found[rule.key] = problems
    return found


def draft_problems(rule_set: RuleSet) -> dict[str, list[str]]:
    """A draft's rules checked against its item version now (a copied draft may read fields the new
    version dropped): what must be fixed before it can be published."""
    if rule_set.state != RuleSetState.DRAFT:
        return {}
    return rule_problems(
        rule_set.item_version, [RuleInput(r.key, r.expression, r.outcome, r.reason) for r in rule_set.rules.all()]
    )


@dataclass
class CopyResult:
    rule_set: RuleSet  # the new draft
    problems: dict[str, list[str]]  # by rule key: names the new item version no longer has


@transaction.atomic
def copy_to_version(actor: MaybeActor, rule_set: RuleSet, item_version: ItemVersion) -> CopyResult:
    """Copy a rule set (any state) with its rules and test cases into a new draft on a newer version of
    the same item, after that version was published.

    Every name the rules read is checked against the new version's form (and the registries and licence
    types). The draft is made even when some no longer exist, and those are listed (in the result, the
    audit record and on the draft's page): the operator fixes a few rules instead of rebuilding them all,
    and nothing changes for applicants, because a draft with such problems cannot be published
    (``publish`` checks again). The copy on the same version is ``new_version``."""
    rule_set = RuleSet.objects.select_related("item_version__item").get(pk=rule_set.pk)
    source = rule_set.item_version
    require_editor(actor, source, "rules.copy")
    require_editor(actor, item_version, "rules.copy")
    if item_version.item_id != source.item_id:
        raise Conflict(_("A rule set can be copied only to a version of the same item."), code="other_item")
    if item_version.number <= source.number:
        raise Conflict(
            _("Choose a newer version of the item than version %(number)s.") % {"number": source.number},
            code="not_newer",
        )
    rules = list(rule_set.rules.all().order_by("order", "pk"))
    cases = list(rule_set.test_cases.all())
    problems = rule_problems(item_version, [RuleInput(r.key, r.expression, r.outcome, r.reason) for r in rules])
    last = RuleSet.objects.filter(item_version=item_version).order_by("-number").first()
    copy = RuleSet.objects.create(
        item_version=item_version,
        number=(last.number + 1) if last else 1,
        created_by=str(getattr(actor, "username", actor)),
        note=(
            _("copied from rule set version %(number)s of item version %(version)s")
            % {"number": rule_set.number, "version": source.number}
        )[:300],
        effective_until=rule_set.effective_until,
    )
    _write_rules(copy, rules, cases)
    item = source.item
    audit(
        actor,
        "rules.copied",
        copy,
        summary=f"{item.code} rules v{rule_set.number} (item v{source.number}) → item v{item_version.number} "
        f"rules v{copy.number}: {len(rules)} rules, {len(problems)} to fix"[:300],
        data={
            "from_rule_set": rule_set.pk,
            "from_item_version": source.pk,
            "to_item_version": item_version.pk,
            "rules": [r.key for r in rules],
            "test_cases": len(cases),
            "problems": problems,
        },
    )
    return CopyResult(copy, problems)


def dry_run(actor: MaybeActor, rule_set: RuleSet, case_input: dict[str, Any]) -> engine.Evaluation:
    """Evaluate a rule set (any state) on a given input, changing nothing."""
    require_editor(actor, rule_set.item_version, "rules.dry_run")
    return engine.evaluate(specs_of(rule_set), case_context(case_input))


# Decisions at submission (秒批) ------------------------------------------------------------------------


def _decide(application: Application, rule_set: RuleSet) -> tuple[engine.Evaluation, set[str] | None]:
    """The evaluation, and the registries that held a record about the applicant (None: none were read)."""
    try:
        context = rule_context.for_application(application)
    except rule_context.RegistryUnavailable as exc:
        logger.warning("registry unavailable for %s: %s", application.number, exc)
        return engine.refer(
            "基础库暂时无法访问，转人工审核。",
            "The base registries cannot be reached right now; a clerk will decide.",
            [],
            error=f"registry unavailable: {exc}"[:300],
        ), None
    return engine.evaluate(specs_of(rule_set), context), set(context["registry"])


def decide_at_submit(application: Application) -> SubmitDecision | None:
    """``applications.hooks`` submit hook: the rule set in force decides, or None when there is none.

    Runs inside the submit transaction. Whatever fails here refers the case; nothing here approves on
    an error (``engine.evaluate`` never raises)."""
    _mark_applied(application)
    rule_set = in_force(application.item_version_id, application.submitted_at or timezone.now())
    if rule_set is None:
        return None
    registries_read: set[str] | None = None
    try:
        evaluation, registries_read = _decide(application, rule_set)
        if evaluation.outcome == Outcome.APPROVE:
            evaluation = _check_licence(application, evaluation)
    except Exception as exc:  # belt and braces: a clerk decides
        logger.exception("rules failed for %s", application.number)
        evaluation = engine.refer(
            "规则计算出错，转人工审核。", "The rules failed; a clerk will decide.", [], error=str(exc)[:300]
        )
    decision = Decision.objects.create(
        application=application,
        rule_set=rule_set,
        outcome=evaluation.outcome,
        rule=evaluation.rule[:60],
        reason=evaluation.reason[:500],
        reason_en=evaluation.reason_en[:500],
        explanation={**evaluation.explanation(), "rule_set": rule_set.number, "item_version": rule_set.item_version_id},
        duration_ms=evaluation.duration_ms,
    )
    audit(
        SYSTEM,
        f"rules.decision.{evaluation.outcome}",
        application,
        summary=f"{application.number}: {evaluation.outcome} ({evaluation.rule or '-'}) {evaluation.reason}"[:300],
        data={"decision": decision.pk, "rule_set": rule_set.pk, "explanation": decision.explanation},
    )
    if registries_read is not None:
        # The citizen sees these reads under "who used my data", like a pre-fill fetch.
        record_decision_reads(
            application,
            registries_read,
            _("To decide application %(number)s for “%(item)s” by its published rules (instant approval)")
            % {"number": application.number, "item": application.item_version.name},
        )
    return SubmitDecision(outcome=evaluation.outcome, reason=evaluation.reason, rule=evaluation.rule)  # type: ignore[arg-type]


def _check_licence(application: Application, evaluation: engine.Evaluation) -> engine.Evaluation:
    """An approval that would issue a licence whose data does not fit refers instead: otherwise the
    approval hook would stop the approval and, with it, the whole submission."""
    from pengcheng.applications.licensing import licence_data
    from pengcheng.licences.selectors import type_by_code
    from pengcheng.licences.services import validate_data

    config = application.item_version.extensions.get("issue_licence")
    if not config:
        return evaluation
    licence_type = type_by_code(config.get("type", ""))
    problem = "" if licence_type is not None else f"licence type {config.get('type')!r} does not exist"
    if licence_type is not None:
        try:
            validate_data(licence_type, licence_data(application, config.get("data", {})))
        except ValidationFailed as exc:
            problem = "; ".join(f"{name}: {', '.join(map(str, texts))}" for name, texts in exc.field_errors.items())
    if not problem:
        return evaluation
    evaluation.results.append(engine.RuleResult("issue_licence", Outcome.APPROVE, "error", error=problem[:300]))
    return engine.refer(
        "符合批准条件，但电子证照数据不完整，无法自动发证，转人工审核。",
        "Eligible, but the electronic licence cannot be issued from this application; a clerk will decide.",
        evaluation.results,
        rule=evaluation.rule,
        error=problem[:300],
    )


def _mark_applied(application: Application) -> None:
    """A submission for a policy's item counts as applying for every policy matched to the applicant."""
    company = application.company
    identifier = company.credit_code if company is not None else application.applicant.id_number
    if not identifier:
        return
    PolicyMatch.objects.filter(
        identifier=identifier, policy__item_id=application.item_id, applied_at__isnull=True
    ).update(applied_at=timezone.now())


# Simulation -------------------------------------------------------------------------------------------

STATE_OUTCOMES: dict[str, str] = {
    State.APPROVED: Outcome.APPROVE,
    State.DELIVERED: Outcome.APPROVE,
    State.REJECTED: Outcome.REJECT,
}


@dataclass
class SimulationRow:
    number: str
    before: str  # the decision the application got (rules or clerk), "" while pending
    after: str
    rule: str
    reason: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class Simulation:
    rule_set: RuleSet
    total: int = 0
    changed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    transitions: dict[str, int] = field(default_factory=dict)  # "approve→refer": n
    rows: list[SimulationRow] = field(default_factory=list)
    subjects: int = 0  # people and companies whose registry data was read
    data_uses: int = 0  # the data-use records logging those reads

    def as_dict(self, limit: int = 200) -> dict[str, Any]:
        return {
            "rule_set": self.rule_set.pk,
            "total": self.total,
            "changed": self.changed,
            "outcomes": self.outcomes,
            "transitions": self.transitions,
            "subjects": self.subjects,
            "data_uses": self.data_uses,
            "changes": [vars(row) for row in self.rows if row.changed][:limit],
        }


def _past_outcome(application: Application, decision: Decision | None) -> str:
    """What was decided: the final state when decided, else the rules' decision (refer while pending)."""
    if application.state in STATE_OUTCOMES:
        return STATE_OUTCOMES[application.state]
    if decision is not None:
        return decision.outcome
    return ""


@transaction.atomic
def simulate(actor: MaybeActor, rule_set: RuleSet, *, limit: int = 5000) -> Simulation:
    """Run a rule set against the item's past applications (all its versions; newest first) and count the
    decisions that would change. No decision is written.

    The facts are today's registry data, not the data each application was decided on (the registries
    keep no history). Reading them is a use of each applicant's data: every read is logged as a data use
    (``prefill.services.record_simulation_reads``, one insert, marked as a simulation by ``actor`` of this
    rule set) in the same transaction as the audit record, so a simulation that fails leaves neither."""
    require_editor(actor, rule_set.item_version, "rules.simulate")
    specs = specs_of(rule_set)
    applications = list(
        Application.objects.filter(item_id=rule_set.item_version.item_id)
        .exclude(state__in=[State.DRAFT, State.WITHDRAWN])
        .select_related("applicant", "company")
        .order_by("-submitted_at", "-pk")[:limit]
    )
    latest: dict[int, Decision] = {}
    for decision in Decision.objects.filter(application__in=applications).order_by("created_at"):
        latest[decision.application_id] = decision
    batch = rule_context.for_applications(applications)
    result = Simulation(rule_set)
    for application in applications:
        context = batch.contexts.get(application.pk)
        if context is None:
            error = batch.unavailable.get(application.pk, "")
            evaluation = engine.refer("基础库暂时无法访问。", "Registries unavailable.", [], error=error)
        else:
            evaluation = engine.evaluate(specs, context)
        before = _past_outcome(application, latest.get(application.pk))
        row = SimulationRow(application.number, before, evaluation.outcome, evaluation.rule, evaluation.reason)
        result.rows.append(row)
        result.total += 1
        result.outcomes[evaluation.outcome] = result.outcomes.get(evaluation.outcome, 0) + 1
        if row.changed:
            result.changed += 1
            key = f"{before or 'pending'}→{evaluation.outcome}"
            result.transitions[key] = result.transitions.get(key, 0) + 1
    item = rule_set.item_version.item
    uses = record_simulation_reads(
        actor,
        item.department,
        [SubjectRead(s.kind, s.identifier, s.application, s.found) for s in batch.subjects],
        simulation_purpose(actor, rule_set),
    )
    result.data_uses = len(uses)
    result.subjects = len(batch.subjects)
    audit(
        actor,
        "rules.simulated",
        rule_set,
        summary=f"{result.total} applications, {result.changed} would change; "
        f"registry data of {result.subjects} subjects read ({result.data_uses} data uses)",
        data={"transitions": result.transitions, "subjects": result.subjects, "data_uses": result.data_uses},
    )
    return result


def simulation_purpose(actor: MaybeActor, rule_set: RuleSet) -> str:
    """The purpose a citizen reads for a simulation's read of their data: who simulated which rule set."""
    return _(
        "Simulation by %(who)s of rule set version %(number)s (%(state)s) for “%(item)s”: a past application "
        "was checked again with today's registry data; no decision was made or changed"
    ) % {
        "who": str(getattr(actor, "username", actor)),
        "number": rule_set.number,
        "state": rule_set.get_state_display(),
        "item": rule_set.item_version.name,
    }


# Policies ---------------------------------------------------------------------------------------------

POLICY_ROOTS = ("registry", "declared", "licences", "today", "subject")


@dataclass
class PolicyInput:
    code: str
    name: str
    kind: str
    subject: str
    department: Department
    summary: str
    expression: str
    name_en: str = ""
    item: ServiceItem | None = None
    is_active: bool = True
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None


@transaction.atomic
def save_policy(actor: MaybeActor, data: PolicyInput, policy: Policy | None = None) -> Policy:
    """Create or change a policy; its eligibility rule is checked like an approval rule."""
    require_platform_role(actor, action="rules.policy_save", target=policy)
    errors: dict[str, list[str]] = {}
    problems = check_expression(data.expression, form_fields=None, roots=POLICY_ROOTS)
    if problems:
        errors["expression"] = problems
    if data.subject not in Subject.values:
        errors["subject"] = [_("Choose citizens or companies.")]
    if not data.code or Policy.objects.filter(code=data.code).exclude(pk=policy.pk if policy else 0).exists():
        errors["code"] = [_("Give a code no other policy uses.")]
    if not data.name.strip():
        errors["name"] = [_("Give the policy a name.")]
    if errors:
        raise ValidationFailed(errors, message=_("The policy has problems; nothing was saved."))
    created = policy is None
    policy = policy or Policy()
    for name, value in vars(data).items():
        setattr(policy, name, value)
    policy.updated_at = timezone.now()
    policy.save()
    audit(
        actor,
        "rules.policy_created" if created else "rules.policy_changed",
        policy,
        summary=f"{policy.code}: {policy.name}"[:300],
        data={"expression": policy.expression, "active": policy.is_active},
    )
    return policy


def _identity(actor: MaybeActor, company: Company | None) -> tuple[str, str]:
    if not isinstance(actor, User) or not actor.is_active:
        raise AccessDenied("rules.declare", reason="sign in first")
    if company is not None:
        from pengcheng.core.selectors import active_agent_grants

        if not active_agent_grants(actor).filter(company=company).exists():
            raise AccessDenied("rules.declare", target=company, reason="not an authorised agent of this company")
        return Subject.COMPANY, company.credit_code
    if not actor.id_number:
        raise AccessDenied("rules.declare", reason="no verified identity number")
    return Subject.PERSON, actor.id_number


PERSON_DECLARABLE = ("employed", "has_children", "disabled", "monthly_income")
COMPANY_DECLARABLE = ("employees", "annual_revenue", "high_tech")
DECLARABLE = {
    "employed": bool,
    "has_children": bool,
    "disabled": bool,
    "monthly_income": int,
    "employees": int,
    "annual_revenue": int,
    "high_tech": bool,
}


@transaction.atomic
def declare(
    actor: MaybeActor, data: dict[str, Any], *, consent: bool, company: Company | None = None
) -> DeclaredProfile:
    """Save self-declared data for policy matching and give or withdraw consent to its use."""
    subject, identifier = _identity(actor, company)
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, value in data.items():
        kind = DECLARABLE.get(name)
        if kind is None:
            errors[name] = [_("Unknown item.")]
            continue
        if value in (None, ""):
            continue
        try:
            clean[name] = kind(value) if kind is not bool else value in (True, "true", "on", "1", 1)
        except (TypeError, ValueError):
            errors[name] = [_("Enter a whole number.")]
    if errors:
        raise ValidationFailed(errors)
    profile = DeclaredProfile.objects.select_for_update().filter(subject=subject, identifier=identifier).first()
    if profile is None:
        profile = DeclaredProfile(subject=subject, identifier=identifier, declared_by=actor, company=company)  # type: ignore[misc]
    now = timezone.now()
    before = profile.consent_active
    profile.data = clean
    profile.declared_by = actor  # type: ignore[assignment]
    profile.updated_at = now
    if consent and not before:
        profile.consented_at, profile.withdrawn_at = now, None
    elif not consent and profile.consented_at is not None and profile.withdrawn_at is None:
        profile.withdrawn_at = now
    profile.save()
    audit(
        actor,
        "rules.consent_given"
        if consent and not before
        else ("rules.consent_withdrawn" if before and not consent else "rules.declared"),
        profile,
        summary=f"{subject} declared {sorted(clean)}; consent {'on' if profile.consent_active else 'off'}",
        data={"fields": sorted(clean), "consent": profile.consent_active},
    )
    return profile


def start_from_match(actor: MaybeActor, match: PolicyMatch) -> Application:
    """One-click application: start the policy's item for the person it was matched to."""
    from pengcheng.applications import services as application_services

    if not isinstance(actor, User) or match.recipient_id != actor.pk:
        raise AccessDenied("rules.apply", target=match, reason="not your policy match")
    if match.policy.item is None:
        raise Conflict(_("This policy is not applied for online."))
    company = None
    if match.subject == Subject.COMPANY:
        company = Company.objects.filter(credit_code=match.identifier).first()
    return application_services.start(actor, match.policy.item, company=company)


def can_edit(actor: MaybeActor, item_version: ItemVersion) -> bool:
    scope = scope_of(actor)
    return scope.platform_wide or item_version.item.department_id in scope.departments_with(*EDITOR_ROLES)


def request_matching(actor: MaybeActor) -> None:
    """Queue a policy-matching run now (operators), instead of waiting for the daily job."""
    from pengcheng.jobs.services import enqueue

    require_platform_role(actor, action="rules.match_policies")
    audit(actor, "rules.matching_requested", ("rules.policy", "all"), summary="policy matching queued")
    enqueue("pengcheng.rules.matching.run_scheduled")


def approval_letter(actor: MaybeActor, application: Application) -> bytes:
    """准予决定书: the sealed PDF letter for an application the rules approved, for its applicant."""
    from pengcheng.applications.services import require_applicant
    from pengcheng.seals import pdf
    from pengcheng.seals.services import seal_for, seal_pdf

    require_applicant(actor, application, "rules.letter")
    decision = Decision.objects.filter(application=application).first()
    if (
        decision is None
        or decision.outcome != Outcome.APPROVE
        or application.state
        not in (
            State.APPROVED,
            State.DELIVERED,
        )
    ):
        raise Conflict(_("There is no instant approval for this application."), code="no_instant_approval")
    department = application.handling_department or application.item.department
    decided = timezone.localtime(application.decided_at or decision.created_at)
    submitted = timezone.localtime(application.submitted_at or decided)
    version = decision.rule_set.number if decision.rule_set else "-"
    content = pdf.letter(
        f"{application.item_version.name}准予决定书",
        department.name,
        [
            f"申请人：{application.applicant.display_name}（{application.applicant.masked_id_number}）",
            f"申请编号：{application.number}",
            f"你于 {submitted:%Y年%m月%d日} 提出的{application.item_version.name}申请，"
            f"经审批规则（规则集第 {version} 版，规则“{decision.rule}”）核验，"
            f"{decision.reason}",
            "决定：准予。",
            "本决定由系统依据已发布的审批规则自动作出（秒批）。如对本决定有异议，可自收到之日起六十日内依法申请行政复议，"
            "或者六个月内依法提起行政诉讼。",
        ],
        reference=application.number,
        date_line=f"{decided:%Y年%m月%d日}",
    )
    sealed = seal_pdf(
        SYSTEM,
        seal_for(department),
        content,
        document_name=f"{application.number} 准予决定书.pdf",
        purpose="秒批准予决定书 instant approval letter",
        on_behalf_of=str(getattr(actor, "display_name", actor)),
    )
    with transaction.atomic():
        audit(actor, "rules.letter", application, summary=f"{application.number}: approval letter issued")
    return sealed
