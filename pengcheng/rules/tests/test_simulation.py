"""Simulation on past applications: every registry read is logged as a data use (one insert, in the
simulation's transaction), the citizen sees it labelled as a simulation, and the page says the facts are
today's."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from pengcheng.applications.models import State
from pengcheng.audit.models import AuditRecord
from pengcheng.core.actors import SYSTEM
from pengcheng.prefill.models import DataUse, DataUseKind
from pengcheng.registries.models import REGISTRIES
from pengcheng.rules import services
from pengcheng.rules.models import Outcome
from pengcheng.rules.services import CaseInput, RuleInput
from pengcheng.rules.tests.conftest import apply_for_allowance, elder
from pengcheng.testing import login_client, make_staff

pytestmark = pytest.mark.django_db

PERSON_REGISTRIES = {key for key, registry in REGISTRIES.items() if registry.subject == "person"}


def _draft(version):
    registry = {"population": {"birth_date": "1930-01-01", "household_division": "440304"}}
    return services.save_rule_set(
        SYSTEM,
        version,
        rules=[
            RuleInput("ninety", "years_between(registry.population.birth_date, today) >= 88", Outcome.APPROVE, "x"),
            RuleInput("else", "true", Outcome.REFER, "y"),
        ],
        test_cases=[CaseInput("old", {"registry": registry, "today": "2026-01-01"}, Outcome.APPROVE)],
    )


def _inserts(queries: CaptureQueriesContext) -> int:
    return sum(1 for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "prefill_datause"'))


def test_a_simulation_logs_every_registry_read_in_one_insert(allowance_item) -> None:
    first, second = elder(dt.date(1940, 1, 1)), elder(dt.date(1938, 1, 1))
    old = apply_for_allowance(first, allowance_item)
    mid = apply_for_allowance(second, allowance_item)
    assert old.state == mid.state == State.APPROVED
    draft = _draft(allowance_item.current)
    supervisor = make_staff("supervisor", "440304-ZSJ")
    decision_reads = DataUse.objects.filter(simulated=False).count()
    with CaptureQueriesContext(connection) as queries:
        result = services.simulate(supervisor, draft)
    assert _inserts(queries) == 1
    assert DataUse.objects.filter(simulated=False).count() == decision_reads  # the decisions' own reads stay
    logged = DataUse.objects.filter(simulated=True)
    assert result.data_uses == logged.count() and result.subjects >= 2
    for citizen, application in ((first, old), (second, mid)):
        mine = logged.filter(subject_kind="person", subject_id=citizen.id_number)
        assert {use.registry for use in mine} == PERSON_REGISTRIES  # every registry the rules read, once
        population = mine.get(registry="population")
        assert population.found and population.application == application
        assert population.consent is None and population.fetched_by == supervisor
        assert population.used_by == allowance_item.department and population.kind == DataUseKind.SIMULATION
        assert supervisor.username in population.purpose and str(draft.number) in population.purpose
        assert "population.birth_date" in population.attributes
    record = AuditRecord.objects.get(action="rules.simulated", object_id=str(draft.pk))
    assert record.data["data_uses"] == result.data_uses and record.data["subjects"] == result.subjects


def test_a_simulation_from_the_command_line_is_logged_as_the_platform(allowance_item) -> None:
    citizen = elder(dt.date(1940, 1, 1))
    apply_for_allowance(citizen, allowance_item)
    services.simulate(SYSTEM, _draft(allowance_item.current))
    use = DataUse.objects.get(simulated=True, subject_id=citizen.id_number, registry="population")
    assert use.fetched_by is None and use.fetched_by_label == "system" and "system" in use.purpose


def test_nothing_is_logged_when_the_simulation_fails_or_rolls_back(allowance_item, monkeypatch) -> None:
    apply_for_allowance(elder(dt.date(1940, 1, 1)), allowance_item)
    draft = _draft(allowance_item.current)
    supervisor = make_staff("supervisor", "440304-ZSJ")

    class Broken(Exception):
        pass

    with pytest.raises(Broken), transaction.atomic():  # the caller's transaction rolls back
        services.simulate(supervisor, draft)
        assert DataUse.objects.filter(simulated=True).exists()
        raise Broken

    def failing_audit(*args, **kwargs):
        raise Broken  # the audit record cannot be written: the simulation fails after its reads

    monkeypatch.setattr(services, "audit", failing_audit)
    with pytest.raises(Broken):
        services.simulate(supervisor, draft)
    assert not DataUse.objects.filter(simulated=True).exists()


def test_a_refused_simulation_reads_and_logs_nothing(allowance_item) -> None:
    from pengcheng.core.errors import AccessDenied

    apply_for_allowance(elder(dt.date(1940, 1, 1)), allowance_item)
    draft = _draft(allowance_item.current)
    with pytest.raises(AccessDenied):
        services.simulate(make_staff("supervisor", "440303-ZSJ"), draft)  # another district
    assert not DataUse.objects.filter(simulated=True).exists()


def test_the_citizen_sees_the_simulation_under_who_used_my_data(allowance_item) -> None:
    citizen = elder(dt.date(1940, 1, 1))
    application = apply_for_allowance(citizen, allowance_item)
    supervisor = make_staff("supervisor", "440304-ZSJ")
    services.simulate(supervisor, _draft(allowance_item.current))
    client = login_client(citizen.username)
    page = client.get("/my/data-uses/").content.decode()
    assert "规则模拟" in page  # the label "Rule simulation"
    assert "核对审批规则" in page  # no consent: staff checked rules on past applications, nothing decided
    assert supervisor.username in page and application.number in page
    english = client.get("/api/v1/prefill/uses").json()
    assert {"simulation", "decision"} <= {use["kind"] for use in english}
    police = login_client(make_staff("data_officer", "440300-GAJ").username)  # keeps the population registry
    owner_page = police.get("/console/registry-uses/?registry=population").content.decode()
    assert "规则模拟" in owner_page and "对过往申请的规则模拟" in owner_page


def test_the_simulation_page_says_the_facts_are_todays(allowance_item) -> None:
    citizen = elder(dt.date(1940, 1, 1))
    apply_for_allowance(citizen, allowance_item)
    draft = _draft(allowance_item.current)
    client = login_client(make_staff("supervisor", "440304-ZSJ").username)
    page = client.post(f"/console/rules/{draft.pk}/simulate/").content.decode()
    assert "不是每份申请当时的数据" in page  # today's registry data, not the data at the time of the application
    assert DataUse.objects.filter(simulated=True, subject_id=citizen.id_number).exists()
