"""Rule sets: validation on save, test cases before publishing, effective dates, decisions at submission
(end to end, with the issued licence), safety when registries fail, simulation, audit."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from pengcheng.applications import licensing
from pengcheng.applications import services as application_services
from pengcheng.applications.models import Action, State
from pengcheng.audit.models import AuditRecord
from pengcheng.catalog.models import ServiceItem
from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, Conflict, ValidationFailed
from pengcheng.licences.models import Licence
from pengcheng.rules import selectors, services
from pengcheng.rules.models import Decision, Outcome, RuleSet, RuleSetState
from pengcheng.rules.services import CaseInput, RuleInput
from pengcheng.rules.tests.conftest import apply_for_allowance, elder, pdf
from pengcheng.testing import make_staff

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_rule_sets_that_pass_their_tests(allowance_item) -> None:
    rule_set = selectors.in_force(allowance_item.current)
    assert rule_set is not None and rule_set.state == RuleSetState.PUBLISHED
    assert rule_set.test_cases.count() >= 4
    assert all(result.passed for result in services.run_tests(rule_set))
    assert AuditRecord.objects.filter(action="rules.published", object_id=str(rule_set.pk)).exists()


def test_saving_reports_syntax_errors_with_position_and_unknown_names(allowance_item) -> None:
    version = allowance_item.current
    rules = [
        RuleInput("broken", "form.birth_date ==\n  ", Outcome.REJECT, "x"),
        RuleInput("unknown_field", "form.salary > 1", Outcome.REJECT, "x"),
        RuleInput("unknown_attribute", "registry.population.income > 1", Outcome.REJECT, "x"),
        RuleInput("unknown_registry", "registry.tax.paid", Outcome.REJECT, "x"),
        RuleInput("unknown_licence", '"XX-NONE" in licences', Outcome.REJECT, "x"),
        RuleInput("unknown_name", "applicant.age > 3", Outcome.APPROVE, "x"),
        RuleInput("fine", 'registry.population.household_division.startsWith("4403")', Outcome.APPROVE, "ok"),
    ]
    with pytest.raises(ValidationFailed) as refused:
        services.save_rule_set(SYSTEM, version, rules=rules, test_cases=[])
    errors = refused.value.field_errors
    position = r"(Syntax error at line 1, column 17\.|语法错误：第 1 行第 17 列。)"
    assert re.match(position, errors["rules.0.expression"][0])
    assert "salary" in errors["rules.1.expression"][0]
    assert "income" in errors["rules.2.expression"][0]
    assert "tax" in errors["rules.3.expression"][0]
    assert "XX-NONE" in errors["rules.4.expression"][0]
    assert "applicant" in errors["rules.5.expression"][0]
    assert "rules.6.expression" not in errors
    assert not RuleSet.objects.filter(item_version=version, number__gt=1).exists()


def _draft(version, cases, rules=None):
    rules = rules or [
        RuleInput("old", "years_between(registry.population.birth_date, today) >= 90", Outcome.APPROVE, "九十岁"),
        RuleInput("else", "true", Outcome.REFER, "其他"),
    ]
    return services.save_rule_set(SYSTEM, version, rules=rules, test_cases=cases)


def test_a_rule_set_is_published_only_when_its_test_cases_pass(allowance_item) -> None:
    version = allowance_item.current
    supervisor = make_staff("supervisor", "440304-ZSJ")
    no_cases = _draft(version, [])
    with pytest.raises(ValidationFailed) as refused:
        services.publish(supervisor, no_cases)
    assert "test_cases" in refused.value.field_errors
    registry = {"population": {"birth_date": "1930-01-01", "household_division": "440304"}}
    failing = _draft(version, [CaseInput("九十岁以上", {"registry": registry, "today": "2026-01-01"}, Outcome.REJECT)])
    with pytest.raises(ValidationFailed) as refused:
        services.publish(supervisor, failing)
    assert "九十岁以上" in refused.value.field_errors["test_cases"][0]
    passing = _draft(version, [CaseInput("九十岁以上", {"registry": registry, "today": "2026-01-01"}, Outcome.APPROVE)])
    services.publish(supervisor, passing)
    passing.refresh_from_db()
    assert passing.state == RuleSetState.PUBLISHED and passing.published_by == supervisor.username
    with pytest.raises(Conflict):
        services.save_rule_set(supervisor, version, rules=[], test_cases=[], rule_set=passing)
    # Another district's supervisor may not touch it.
    with pytest.raises(AccessDenied):
        services.retire(make_staff("supervisor", "440303-ZSJ"), passing)


def test_the_rule_set_in_force_follows_effective_dates(allowance_item) -> None:
    version = allowance_item.current
    demo_set = selectors.in_force(version)
    registry = {"population": {"birth_date": "1930-01-01", "household_division": "440304"}}
    later = _draft(version, [CaseInput("old", {"registry": registry, "today": "2026-01-01"}, Outcome.APPROVE)])
    start = timezone.now() + dt.timedelta(days=10)
    services.publish(SYSTEM, later, effective_from=start)
    assert selectors.in_force(version) == demo_set
    assert selectors.in_force(version, start + dt.timedelta(hours=1)) == later
    services.retire(SYSTEM, later)
    assert selectors.in_force(version, start + dt.timedelta(hours=1)) == demo_set


def test_an_old_person_is_approved_on_submission(allowance_item) -> None:
    citizen = elder(dt.date(1940, 3, 1))
    application = apply_for_allowance(citizen, allowance_item)
    assert application.state == State.APPROVED
    decision = Decision.objects.get(application=application)
    assert decision.outcome == Outcome.APPROVE and decision.rule == "eligible"
    fired = [r for r in decision.explanation["rules"] if r["status"] == "fired"]
    assert fired[0]["values"]["registry.population.birth_date"] == "1940-03-01"
    assert "80" in application.result
    actions = list(application.events.values_list("action", flat=True))
    assert actions[-4:] == [Action.SUBMIT, Action.ACCEPT, Action.REVIEW, Action.APPROVE]
    assert AuditRecord.objects.filter(action="rules.decision.approve", object_id=str(application.pk)).exists()


def test_the_registry_reads_of_a_decision_show_under_who_used_my_data(allowance_item, client) -> None:
    from pengcheng.prefill.models import DataUse
    from pengcheng.registries.models import REGISTRIES

    citizen = elder(dt.date(1940, 3, 1))
    application = apply_for_allowance(citizen, allowance_item)
    uses = DataUse.objects.filter(application=application, consent__isnull=True)
    person_registries = {key for key, registry in REGISTRIES.items() if registry.subject == "person"}
    assert {use.registry for use in uses} == person_registries  # every registry the rules read
    population = uses.get(registry="population")
    assert population.found and population.subject_id == citizen.id_number
    assert "population.birth_date" in population.attributes
    assert application.number in population.purpose
    assert population.used_by == application.item.department
    client.force_login(citizen)
    page = client.get("/my/data-uses/").content.decode()
    assert application.number in page and population.purpose in page


def test_a_younger_person_is_referred_an_outsider_rejected_a_stranger_referred(allowance_item) -> None:
    young = apply_for_allowance(elder(dt.date(1960, 1, 1)), allowance_item)
    assert young.state == State.SUBMITTED  # referred: a clerk checks the registered birth date
    assert Decision.objects.get(application=young).rule == "under_80"
    outsider = apply_for_allowance(elder(dt.date(1930, 1, 1), household="110105000000"), allowance_item)
    assert outsider.state == State.REJECTED
    from pengcheng.testing import community, make_citizen

    unknown = make_citizen(residence=community("440304"))  # no population record
    referred = apply_for_allowance(unknown, allowance_item)
    assert referred.state == State.SUBMITTED
    decision = Decision.objects.get(application=referred)
    assert decision.outcome == Outcome.REFER and decision.rule == "no_population_record"
    assert referred.events.filter(action=Action.REFER).exists()


def test_an_unreachable_registry_refers_never_approves(allowance_item, monkeypatch) -> None:
    from pengcheng.registries import selectors as registry_selectors

    def unreachable(id_number: str) -> dict:
        raise ConnectionError("population registry timed out")

    monkeypatch.setattr(registry_selectors, "facts_for_person", unreachable)
    application = apply_for_allowance(elder(dt.date(1930, 1, 1)), allowance_item)
    assert application.state == State.SUBMITTED
    decision = Decision.objects.get(application=application)
    assert decision.outcome == Outcome.REFER and "timed out" in decision.explanation["error"]
    from pengcheng.prefill.models import DataUse

    assert not DataUse.objects.filter(application=application).exists()  # nothing was read


def test_a_rule_that_errors_at_run_time_refers(allowance_item) -> None:
    version = allowance_item.current
    registry = {"population": {"birth_date": "1930-01-01", "household_division": "440304"}}
    rules = [
        RuleInput("bank", "int(form.bank_account) < 0", Outcome.REJECT, "x"),  # 19 nines overflow int64: error
        RuleInput("yes", "true", Outcome.APPROVE, "ok"),
    ]
    broken = _draft(
        version, [CaseInput("ok", {"registry": registry, "form": {"bank_account": "1"}}, Outcome.APPROVE)], rules
    )
    services.publish(SYSTEM, broken)
    application = apply_for_allowance(elder(dt.date(1930, 1, 1)), allowance_item, bank_account="9" * 19)
    assert application.state == State.SUBMITTED
    decision = Decision.objects.get(application=application)
    assert decision.outcome == Outcome.REFER and decision.rule == "bank"


def test_residence_permit_renewal_issues_the_new_permit_in_seconds(demo_city) -> None:
    from pengcheng.core.models import User

    citizen = User.objects.get(username="citizen")
    item = ServiceItem.objects.get(code="440300GA0001")
    assert selectors.in_force(item.current) is not None
    before = Licence.objects.filter(holder_identifier=citizen.id_number, licence_type__code="SZ-JZZ").count()
    assert before >= 1
    application = application_services.start(citizen, item)
    licensing.use_licence(citizen, application, "id_card")
    licensing.use_licence(citizen, application, "residence_permit")
    material = application.item_version.materials.exclude(kind__in=["licence", "form"]).get()
    application_services.attach(citizen, application, material.key, pdf())
    form = {
        "applicant_name": citizen.full_name,
        "id_number": citizen.id_number,
        "phone": citizen.phone,
        "permit_number": "4403990000000001",
        "residence_address": "深圳市福田区福中三路2号",
        "employer": "深圳市鹏城示范科技有限公司",
        "delivery": "online",
        "declaration": True,
    }
    started = timezone.now()
    application = application_services.submit(citizen, application, form_data=form)
    assert application.state == State.APPROVED
    assert application.extensions["licence"]["type"] == "SZ-JZZ"
    new = Licence.objects.get(pk=application.extensions["licence"]["id"])
    assert new.issued_at >= started and new.source_reference == application.number
    decision = selectors.latest_decision(application)
    assert decision is not None and decision.outcome == Outcome.APPROVE and decision.rule == "eligible"


def test_simulation_counts_changed_decisions(allowance_item) -> None:
    old = apply_for_allowance(elder(dt.date(1940, 1, 1)), allowance_item)
    mid = apply_for_allowance(elder(dt.date(1938, 1, 1)), allowance_item)
    assert old.state == mid.state == State.APPROVED
    registry = {"population": {"birth_date": "1930-01-01", "household_division": "440304"}}
    stricter = _draft(
        allowance_item.current,
        [CaseInput("old", {"registry": registry, "today": "2026-01-01"}, Outcome.APPROVE)],
        [
            RuleInput("ninety", "years_between(registry.population.birth_date, today) >= 88", Outcome.APPROVE, "x"),
            RuleInput("else", "true", Outcome.REFER, "y"),
        ],
    )
    result = services.simulate(SYSTEM, stricter)
    changed = {row.number: row for row in result.rows if row.changed}
    assert result.total >= 2 and old.number in changed and mid.number not in changed
    assert changed[old.number].before == Outcome.APPROVE and changed[old.number].after == Outcome.REFER
    assert result.transitions.get("approve→refer", 0) >= 1
    assert not Decision.objects.filter(rule_set=stricter).exists()  # nothing written


def test_stats_count_instant_items_and_automatic_decisions(allowance_item) -> None:
    apply_for_allowance(elder(dt.date(1940, 1, 1)), allowance_item)
    figures = selectors.stats(make_staff("operator", "440300-ZSJ"))
    districts = ServiceItem.objects.filter(catalog_code="MZ1001").count()
    assert figures["instant_approval"] == 4 + 2 * districts  # six items, two of them in every district
    assert figures["both"] >= 3
    flagged = [
        item
        for item in ServiceItem.objects.filter(status="online").select_related("current_version")
        if item.current_version and item.current_version.extensions.get("instant_fill")
    ]
    assert figures["instant_fill"] == len(flagged) < ServiceItem.objects.filter(status="online").count()
    codes = {v.item.code for v in figures["both_items"]}
    assert {"440304MZ1001", "440300GA0001", "440300RS0001"} <= codes
    assert figures["automatic"] >= 1 and figures["decisions"] >= figures["automatic"]


def test_simulate_rules_command(allowance_item) -> None:
    from io import StringIO

    from django.core.management import call_command

    apply_for_allowance(elder(dt.date(1940, 1, 1)), allowance_item)
    out = StringIO()
    call_command("simulate_rules", item=allowance_item.code, stdout=out)
    text = out.getvalue()
    assert "past applications" in text and "decisions would change" in text


def test_an_approval_whose_licence_cannot_be_issued_refers_instead_of_failing_the_submission(demo_city) -> None:
    from pengcheng.catalog.tests.factories import make_item
    from pengcheng.testing import community, make_citizen

    # The permit needs the holder's address; this item maps it from a form field that is optional.
    item = make_item(
        extensions={
            "issue_licence": {
                "type": "SZ-JZZ",
                "data": {"name": "applicant.full_name", "id_number": "applicant.id_number"},
            }
        }
    )
    rule_set = services.save_rule_set(
        SYSTEM,
        item.current,
        rules=[RuleInput("all", "true", Outcome.APPROVE, "准予")],
        test_cases=[CaseInput("any", {}, Outcome.APPROVE)],
    )
    services.publish(SYSTEM, rule_set)
    applicant = make_citizen(residence=community("440304"))
    application = application_services.start(applicant, item)
    application_services.attach(applicant, application, "letter", pdf())
    application_services.attach(applicant, application, "id_card", pdf("id.pdf"))
    form = {
        "applicant_name": "陈小明",
        "id_number": applicant.id_number,
        "phone": "19900000001",
        "reason": "家庭突发困难，申请救助。",
        "delivery": "online",
        "declaration": True,
    }
    application = application_services.submit(applicant, application, form_data=form)
    assert application.state == State.SUBMITTED  # submitted and referred, not refused
    decision = Decision.objects.get(application=application)
    assert decision.outcome == Outcome.REFER and decision.rule == "all" and decision.explanation["error"]
    assert not Licence.objects.filter(source_reference=application.number).exists()
