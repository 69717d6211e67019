"""The application state machine, through its services, on a real database."""

import datetime as dt

import pytest
from django.utils import timezone

from pengcheng.applications import hooks, services
from pengcheng.applications.models import TRANSITIONS, Action, Application, Event, State
from pengcheng.applications.tests.conftest import pdf, valid_form
from pengcheng.audit.models import AuditRecord
from pengcheng.catalog.models import LimitUnit, ServiceItem
from pengcheng.catalog.tests.factories import make_item
from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, Conflict, ValidationFailed
from pengcheng.core.models import Company, CompanyAgent, Department, User
from pengcheng.notifications.models import Notification
from pengcheng.testing import community, make_citizen, make_staff
from pengcheng.workdays.selectors import add_working_days, working_days_between


def inbox(user: User) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, channel="inbox").order_by("pk").values_list("subject", flat=True)
    )


def test_the_whole_journey_is_recorded_audited_and_notified(submitted, applicant, handler) -> None:
    application = submitted
    assert application.state == State.SUBMITTED
    assert application.handling_department.code == "440300-MZJ"
    assert application.intake_department.code == "440304-ZSJ"  # the applicant's district hall
    assert application.deadline == add_working_days(timezone.localdate(), 5)
    assert application.limit_unit == LimitUnit.WORKING_DAYS
    services.accept(handler, application, "材料齐全")
    services.start_review(handler, application)
    assert application.assignee == handler
    services.approve(handler, application, "准予发放，每月 200 元")
    services.deliver(handler, application, "短信告知")
    application.refresh_from_db()
    assert application.state == State.DELIVERED
    assert application.on_time is True and application.handling_working_days == 0
    assert application.result == "准予发放，每月 200 元"
    actions = list(application.events.values_list("action", flat=True))
    assert actions == ["create", "submit", "accept", "review", "approve", "deliver"]
    audited = set(AuditRecord.objects.filter(object_id=str(application.pk)).values_list("action", flat=True))
    assert {"applications.submit", "applications.accept", "applications.approve", "applications.deliver"} <= audited
    assert len(inbox(applicant)) == 5
    assert inbox(applicant)[-2] == f"您的申请 {application.number} 已获批准"


ALL_STATES = list(State.values)


def _illegal_pairs():
    for action, (allowed, _target) in TRANSITIONS.items():
        if action == Action.RESUBMIT:
            continue  # one service, submit(), covers both submitting a draft and resubmitting
        if action == Action.SUBMIT:
            allowed = allowed | TRANSITIONS[Action.RESUBMIT][0]
        for state in ALL_STATES:
            if state not in allowed:
                yield action, state


@pytest.mark.parametrize(("action", "state"), list(_illegal_pairs()))
def test_every_illegal_transition_is_a_conflict(submitted, applicant, handler, action, state) -> None:
    Application.objects.filter(pk=submitted.pk).update(state=state)
    submitted.refresh_from_db()
    before = Event.objects.filter(application=submitted).count()
    calls = {
        Action.SUBMIT: lambda: services.submit(applicant, submitted),
        Action.RESUBMIT: lambda: services.submit(applicant, submitted),
        Action.ACCEPT: lambda: services.accept(handler, submitted),
        Action.RETURN: lambda: services.return_for_correction(handler, submitted, ["补充材料"]),
        Action.REVIEW: lambda: services.start_review(handler, submitted),
        Action.APPROVE: lambda: services.approve(handler, submitted),
        Action.REJECT: lambda: services.reject(handler, submitted, "不符合条件"),
        Action.DELIVER: lambda: services.deliver(handler, submitted),
        Action.WITHDRAW: lambda: services.withdraw(applicant, submitted),
    }
    if action == Action.SUBMIT and state != State.WITHDRAWN:
        # Submitting what is already submitted (or decided) is a harmless repeat, not an error.
        assert services.submit(applicant, submitted).state == state
    else:
        with pytest.raises(Conflict) as caught:
            calls[action]()
        assert caught.value.code == "illegal_transition" and caught.value.status == 409
    assert Event.objects.filter(application=submitted).count() == before


def test_every_legal_transition_reaches_its_target(item, applicant, handler) -> None:
    reached = set()
    for path in (
        ["accept", "review", "approve", "deliver"],
        ["accept", "review", "reject", "deliver"],
        ["reject"],
        ["accept", "reject"],
        ["return", "resubmit", "accept", "return", "resubmit", "accept", "review", "return", "resubmit", "withdraw"],
        ["accept", "withdraw"],
        ["accept", "review", "withdraw"],
    ):
        application = services.start(applicant, item)
        services.attach(applicant, application, "letter", pdf())
        services.attach(applicant, application, "id_card", pdf())
        services.submit(applicant, application, form_data=valid_form(applicant))
        for step in path:
            {
                "accept": lambda a=application: services.accept(handler, a),
                "review": lambda a=application: services.start_review(handler, a),
                "approve": lambda a=application: services.approve(handler, a),
                "reject": lambda a=application: services.reject(handler, a, "不符合"),
                "deliver": lambda a=application: services.deliver(handler, a),
                "return": lambda a=application: services.return_for_correction(handler, a, ["补充"]),
                "resubmit": lambda a=application: services.submit(applicant, a),
                "withdraw": lambda a=application: services.withdraw(applicant, a),
            }[step]()
            application.refresh_from_db()
            reached.add((step, application.state))
    draft = services.start(applicant, item)
    services.withdraw(applicant, draft)
    assert draft.state == State.WITHDRAWN
    assert {s for _, s in reached} >= {
        State.ACCEPTED, State.UNDER_REVIEW, State.APPROVED, State.REJECTED, State.DELIVERED,
        State.CORRECTION, State.SUBMITTED, State.WITHDRAWN,
    }  # fmt: skip


def test_double_submit_is_idempotent(draft, applicant) -> None:
    first = services.submit(applicant, draft, form_data=valid_form(applicant))
    second = services.submit(applicant, draft, form_data=valid_form(applicant))
    assert first.pk == second.pk and second.state == State.SUBMITTED
    assert draft.events.filter(action=Action.SUBMIT).count() == 1
    assert len(inbox(applicant)) == 1


def test_starting_twice_returns_the_same_draft(item, applicant) -> None:
    assert services.start(applicant, item).pk == services.start(applicant, item).pk


def test_submit_reports_every_form_and_material_problem(item, applicant) -> None:
    application = services.start(applicant, item)
    with pytest.raises(ValidationFailed) as caught:
        services.submit(applicant, application, form_data={"phone": "123"})
    errors = caught.value.field_errors
    assert {"applicant_name", "id_number", "phone", "reason", "declaration"} <= set(errors)
    assert "material:letter" in errors and "material:id_card" in errors
    assert "material:form" not in errors  # filled in on the form itself
    application.refresh_from_db()
    assert application.state == State.DRAFT


def test_a_licence_on_record_satisfies_a_licence_material(item, applicant) -> None:
    application = services.start(applicant, item)
    services.attach(applicant, application, "letter", pdf())

    def resolver(app, material):
        return "licence:demo-id-card" if material.licence_type == "GA-SFZ" else None

    hooks.register_licence_resolver(resolver)
    try:
        services.submit(applicant, application, form_data=valid_form(applicant))
    finally:
        hooks.unregister(resolver)
    assert application.state == State.SUBMITTED


def test_the_application_keeps_its_item_version(submitted, item) -> None:
    from pengcheng.catalog.services import publish
    from pengcheng.catalog.tests.factories import item_spec

    version = publish(SYSTEM, item_spec(code=item.code, name="测试事项（修订）", promised_limit=9)).version
    assert version.number == 2
    submitted.refresh_from_db()
    assert submitted.item_version.number == 1 and submitted.item_version.promised_limit == 5


def test_correction_pauses_the_clock(submitted, applicant, handler) -> None:
    deadline = submitted.deadline
    today = timezone.localdate()
    services.return_for_correction(handler, submitted, ["身份证扫描件不清晰", ""], "请重新上传")
    submitted.refresh_from_db()
    assert submitted.state == State.CORRECTION
    assert submitted.corrections == ["身份证扫描件不清晰"]
    left = working_days_between(today, deadline)
    assert submitted.days_left_when_paused == left
    latest = Notification.objects.filter(recipient=applicant).order_by("pk").last()
    assert latest is not None and "身份证扫描件不清晰" in latest.body
    # The applicant answers three working days later: the deadline moves by the paused time.
    paused_at = timezone.now() - dt.timedelta(days=7)
    Application.objects.filter(pk=submitted.pk).update(paused_at=paused_at)
    services.attach(applicant, submitted, "id_card", pdf("clear.pdf"))
    services.submit(applicant, submitted)
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED
    assert submitted.deadline == add_working_days(today, left)
    assert submitted.paused_working_days == working_days_between(paused_at, timezone.now())
    assert submitted.corrections == []
    assert list(submitted.events.values_list("action", flat=True))[-2:] == ["return", "resubmit"]


def test_return_needs_at_least_one_correction_and_reject_a_reason(submitted, handler) -> None:
    with pytest.raises(ValidationFailed):
        services.return_for_correction(handler, submitted, ["  "])
    with pytest.raises(ValidationFailed):
        services.reject(handler, submitted, " ")


def test_calendar_day_limits(applicant) -> None:
    item = make_item(promised_limit=15, promised_limit_unit=LimitUnit.CALENDAR_DAYS)
    application = services.start(applicant, item)
    services.attach(applicant, application, "letter", pdf())
    services.attach(applicant, application, "id_card", pdf())
    services.submit(applicant, application, form_data=valid_form(applicant))
    assert application.deadline == timezone.localdate() + dt.timedelta(days=15)


def test_items_without_a_limit_have_no_deadline(applicant) -> None:
    item = make_item(promised_limit=None, promised_limit_unit="none", legal_limit=None, legal_limit_unit="none")
    application = services.start(applicant, item)
    services.attach(applicant, application, "letter", pdf())
    services.attach(applicant, application, "id_card", pdf())
    services.submit(applicant, application, form_data=valid_form(applicant))
    assert application.deadline is None


# Scope -------------------------------------------------------------------------------------------


def test_clerks_outside_the_department_or_divisions_are_refused(submitted) -> None:
    other_department = make_staff("clerk", "440300-GAJ")
    with pytest.raises(AccessDenied):
        services.start_review(other_department, submitted)
    services.accept(SYSTEM, submitted)
    district_clerk = make_staff("clerk", "440305-ZSJ")  # a hall, but the item is accepted already
    with pytest.raises(AccessDenied):
        services.start_review(district_clerk, submitted)
    with pytest.raises(AccessDenied):
        services.withdraw(make_citizen(), submitted)


def test_citywide_items_can_be_received_at_any_district_hall(submitted, handler) -> None:
    nanshan = make_staff("clerk", "440305-ZSJ")
    services.accept(nanshan, submitted, "南山大厅收件")
    submitted.refresh_from_db()
    assert submitted.intake_department.code == "440305-ZSJ"  # 收件地
    assert submitted.handling_department.code == "440300-MZJ"  # 办理地 unchanged
    assert submitted.events.get(action=Action.ACCEPT).data == {"received_at": "440305-ZSJ"}
    with pytest.raises(AccessDenied):
        services.start_review(nanshan, submitted)  # review is for the handling department
    services.start_review(handler, submitted)


def test_other_halls_may_not_receive_items_that_are_not_citywide(applicant) -> None:
    item = make_item(tongban=[])
    application = services.start(applicant, item)
    services.attach(applicant, application, "letter", pdf())
    services.attach(applicant, application, "id_card", pdf())
    services.submit(applicant, application, form_data=valid_form(applicant))
    with pytest.raises(AccessDenied):
        services.accept(make_staff("clerk", "440305-ZSJ"), application)
    services.accept(make_staff("clerk", "440304-ZSJ"), application)  # the hall it was submitted at


def test_district_items_are_routed_to_the_applicants_district(demo_city) -> None:
    nanshan_resident = make_citizen(residence=community("440305"))
    futian_item = ServiceItem.objects.get(code="440304MZ1001")
    application = services.start(nanshan_resident, futian_item)
    assert services.route(futian_item, application.division).code == "440305-ZSJ"
    hall = services.default_hall(application.division)
    assert hall is not None and hall.code == "440305-ZSJ"


def test_companies_apply_through_their_authorised_agents(demo_city) -> None:
    item = make_item(audiences=["enterprise"])
    agent = User.objects.get(username="company")
    company = Company.objects.get(agent_grants__user=agent)
    application = services.start(agent, item, company=company)
    assert application.company == company and application.division_id == company.division_id
    stranger = make_citizen()
    with pytest.raises(AccessDenied):
        services.start(stranger, item, company=company)
    with pytest.raises(Conflict):
        services.start(agent, item)  # for organisations only
    CompanyAgent.objects.filter(company=company, user=agent).update(revoked_at=timezone.now())
    with pytest.raises(AccessDenied):
        services.save_form(agent, application, {})


def test_offline_items_and_unoffered_channels_cannot_be_started(item, applicant) -> None:
    with pytest.raises(Conflict):
        services.start(applicant, make_item(channels=["counter"]))
    ServiceItem.objects.filter(pk=item.pk).update(status="offline")
    item.refresh_from_db()
    with pytest.raises(Conflict):
        services.start(applicant, item)


# Hooks, batches and scheduled work -------------------------------------------------------------------


def test_a_submit_hook_can_approve_at_once(draft, applicant) -> None:
    approved: list[Application] = []

    def instant(app):
        return hooks.SubmitDecision("approve", "all conditions met", rule="demo-rule")

    hooks.register_submit_hook(instant)
    hooks.register_approval_hook(approved.append)
    try:
        services.submit(applicant, draft, form_data=valid_form(applicant))
    finally:
        hooks.unregister(instant)
        hooks.unregister(approved.append)
    draft.refresh_from_db()
    assert draft.state == State.APPROVED and approved == [draft]
    assert list(draft.events.values_list("action", "actor_label"))[-3:] == [
        ("accept", "system"), ("review", "system"), ("approve", "system")
    ]  # fmt: skip
    assert draft.extensions["submit_decision"]["rule"] == "demo-rule"


def test_a_submit_hook_can_reject_or_refer(item, applicant) -> None:
    for outcome, state in (("reject", State.REJECTED), ("refer", State.SUBMITTED)):
        application = services.start(applicant, item)
        services.attach(applicant, application, "letter", pdf())
        services.attach(applicant, application, "id_card", pdf())

        def decide(app, outcome=outcome):
            return hooks.SubmitDecision(outcome, "rule says so")

        hooks.register_submit_hook(decide)
        try:
            services.submit(applicant, application, form_data=valid_form(applicant))
        finally:
            hooks.unregister(decide)
        application.refresh_from_db()
        assert application.state == state
        if outcome == "reject":
            assert application.decision_reason == "rule says so"


def test_batch_actions_succeed_or_fail_one_by_one(item, applicant, handler) -> None:
    numbers = []
    for _ in range(2):
        application = services.start(applicant, item)
        services.attach(applicant, application, "letter", pdf())
        services.attach(applicant, application, "id_card", pdf())
        services.submit(applicant, application, form_data=valid_form(applicant))
        numbers.append(application.number)
    services.accept(handler, Application.objects.get(number=numbers[1]))
    outcomes = services.batch(handler, [*numbers, "NOPE"], "accept")
    assert [o.ok for o in outcomes] == [True, False, False]
    assert "cannot" in outcomes[1].message or "不能" in outcomes[1].message
    outsider = make_staff("clerk", "440300-GAJ")
    refused = services.batch(outsider, numbers, "review")
    assert not any(o.ok for o in refused)
    assert AuditRecord.objects.filter(action="permission.denied", actor_id=outsider.pk).count() == 2
    with pytest.raises(ValidationFailed):
        services.batch(handler, numbers, "approve")


def test_deadline_sweep_warns_then_escalates_once(submitted, handler) -> None:
    supervisor = make_staff("supervisor", "440300-MZJ")
    today = timezone.localdate()
    Application.objects.filter(pk=submitted.pk).update(deadline=add_working_days(today, 1))
    assert services.deadline_sweep() == {"warned": 1, "escalated": 0}
    assert Notification.objects.filter(recipient=handler, category="application_deadline").count() == 1
    assert services.deadline_sweep() == {"warned": 0, "escalated": 0}
    Application.objects.filter(pk=submitted.pk).update(deadline=today - dt.timedelta(days=3))
    assert services.deadline_sweep() == {"warned": 0, "escalated": 1}
    message = Notification.objects.get(recipient=supervisor, category="application_deadline")
    assert submitted.number in message.body
    assert submitted.events.filter(action__in=["warn", "escalate"]).count() == 2


def test_the_sweep_is_scheduled() -> None:
    from pengcheng.jobs.registry import declared_schedules

    assert "applications.deadline_sweep" in {job.name for job in declared_schedules()}


def test_assign_to_self_and_by_supervisor(submitted, handler) -> None:
    services.assign(handler, submitted)
    assert submitted.assignee == handler
    colleague = make_staff("clerk", "440300-MZJ")
    with pytest.raises(AccessDenied):
        services.assign(handler, submitted, colleague)
    supervisor = make_staff("supervisor", "440300-MZJ")
    services.assign(supervisor, submitted, colleague)
    assert submitted.assignee == colleague
    with pytest.raises(ValidationFailed):
        services.assign(supervisor, submitted, make_staff("clerk", "440300-GAJ"))
    assert Department.objects.get(code="440300-MZJ") == submitted.handling_department
