"""The closed loop 受理→派单→签收→办理→回复→办结→回访→评价, and every illegal transition."""

from collections.abc import Callable
from typing import Any

import pytest

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import Conflict
from pengcheng.hotline import lifecycle, services
from pengcheng.hotline.models import (
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Rating,
    Status,
    Ticket,
    TicketAssignment,
)
from pengcheng.hotline.tests.conftest import LEAD, OTHER, department, new_ticket, ticket_in
from pengcheng.testing import make_staff

pytestmark = pytest.mark.django_db

# The whole state machine, written out independently of lifecycle.TRANSITIONS.
EXPECTED = {
    "dispatch": ({"received"}, "dispatched"),
    "answer": ({"received"}, "closed"),
    "accept": ({"dispatched"}, "handling"),
    "refuse": ({"dispatched"}, "received"),
    "transfer": ({"dispatched", "handling"}, "dispatched"),
    "request_extension": ({"handling"}, None),
    "decide_extension": ({"handling"}, None),
    "opinion": ({"dispatched", "handling"}, None),
    "reply": ({"handling"}, "replied"),
    "return_reply": ({"replied"}, "handling"),
    "close": ({"replied"}, "closed"),
    "rate": ({"closed"}, "rated"),
    "reopen": ({"rated"}, "received"),
    "merge": ({"received", "dispatched", "handling"}, "merged"),
    "supervise": ({"received", "dispatched", "handling", "replied"}, None),
    "note": (set(Status.values), None),
}


def test_the_table_is_the_documented_state_machine() -> None:
    assert set(lifecycle.TRANSITIONS) == set(EXPECTED)
    for action, (sources, target) in EXPECTED.items():
        transition = lifecycle.TRANSITIONS[action]
        assert set(transition.sources) == sources, action
        assert transition.target == target, action


def _assisted(status: str) -> Ticket:
    """A ticket in ``status`` with an assisting department whose clerk gives opinions."""
    ticket = ticket_in(status)
    TicketAssignment.objects.create(ticket=ticket, department=department(OTHER), role="assist")
    return ticket


def _run(action: str, ticket: Ticket) -> Any:
    actions: dict[str, Callable[[], Any]] = {
        "dispatch": lambda: services.dispatch(SYSTEM, ticket, department(LEAD)),
        "answer": lambda: services.answer_directly(SYSTEM, ticket, "已电话答复。"),
        "accept": lambda: services.accept(SYSTEM, ticket),
        "refuse": lambda: services.refuse(SYSTEM, ticket, "不属于本单位职责。"),
        "transfer": lambda: services.transfer(SYSTEM, ticket, department(OTHER), "转住建局。"),
        "request_extension": lambda: services.request_extension(SYSTEM, ticket, 2, "需要现场勘查。"),
        "decide_extension": lambda: services.decide_extension(
            SYSTEM,
            ExtensionRequest.objects.create(ticket=ticket, department=department(LEAD), days=2, reason="r"),
            approve=True,
        ),
        "opinion": lambda: services.give_opinion(make_staff("clerk", OTHER), ticket, "协办意见。"),
        "reply": lambda: services.reply(SYSTEM, ticket, "已处理。"),
        "return_reply": lambda: services.return_reply(SYSTEM, ticket, "答复不完整。"),
        "close": lambda: services.close(SYSTEM, ticket, "已处理完毕。"),
        "rate": lambda: services.rate(SYSTEM, ticket, Rating.SATISFIED),
        "reopen": lambda: services.reopen(SYSTEM, ticket, "市民不满意。"),
        "merge": lambda: services.merge(SYSTEM, ticket, new_ticket()),
        "supervise": lambda: services.supervise(SYSTEM, ticket, on=True, reason="重点关注"),
        "note": lambda: services.add_note(SYSTEM, ticket, "备注"),
    }
    return actions[action]()


ILLEGAL = [(a, s) for a, (sources, _) in EXPECTED.items() for s in Status.values if s not in sources]
LEGAL = [(a, s) for a, (sources, _) in EXPECTED.items() for s in sorted(sources)]


@pytest.mark.parametrize(("action", "status"), ILLEGAL)
def test_every_illegal_transition_is_a_conflict_and_changes_nothing(demo_city: None, action: str, status: str) -> None:
    ticket = _assisted(status)
    before = Ticket.objects.filter(pk=ticket.pk).values().get()
    events = ticket.events.count()
    with pytest.raises(Conflict) as raised:
        _run(action, ticket)
    assert raised.value.code == "illegal_transition"
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == before
    assert ticket.events.count() == events


@pytest.mark.parametrize(("action", "status"), LEGAL)
def test_every_legal_transition_reaches_its_target(demo_city: None, action: str, status: str) -> None:
    ticket = _assisted(status)
    _run(action, ticket)
    ticket.refresh_from_db()
    target = EXPECTED[action][1] or status
    assert ticket.status == target


def test_reopen_needs_an_unsatisfied_rating(demo_city: None) -> None:
    ticket = ticket_in(Status.CLOSED)
    services.rate(SYSTEM, ticket, Rating.SATISFIED)
    with pytest.raises(Conflict):
        services.reopen(SYSTEM, ticket, "想重办")


def test_the_full_loop_with_refusal_transfer_extension_and_reopen(demo_city: None) -> None:
    agent = make_staff("hotline_agent", "440300-RX12345")
    chief = make_staff("supervisor", "440300-RX12345")
    lead_clerk = make_staff("clerk", LEAD)
    other_clerk = make_staff("clerk", OTHER)
    ticket = new_ticket(agent)
    assert ticket.status == Status.RECEIVED and ticket.routed_department is not None

    services.dispatch(agent, ticket, department(OTHER))
    services.refuse(other_clerk, ticket, "非本单位职责")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.refusal_count, ticket.lead_department) == (Status.RECEIVED, 1, None)

    services.dispatch(agent, ticket, department(LEAD), [department(OTHER)])
    services.accept(lead_clerk, ticket)
    services.give_opinion(other_clerk, ticket, "配合现场核查")
    extension = services.request_extension(lead_clerk, ticket, 3, "需协调多个部门")
    due_before = Ticket.objects.get(pk=ticket.pk).handle_due
    services.decide_extension(chief, extension, approve=True)
    ticket.refresh_from_db()
    assert ticket.handle_due is not None and due_before is not None
    assert ticket.handle_due > due_before and ticket.extension_days == 3
    assert ExtensionRequest.objects.get(pk=extension.pk).status == ExtensionStatus.APPROVED

    services.reply(lead_clerk, ticket, "已修复路灯。")
    services.return_reply(agent, ticket, "请说明修复时间")
    services.reply(lead_clerk, ticket, "已于今日修复路灯。")
    services.close(agent, ticket, "您反映的路灯已于今日修复。")
    services.rate(agent, ticket, Rating.UNSATISFIED, "还是不亮")
    services.reopen(agent, ticket, "市民反映仍未修复")
    ticket.refresh_from_db()
    assert ticket.status == Status.RECEIVED
    assert ticket.reopen_count == 1
    assert ticket.routed_department_id == department(LEAD).pk
    number = ticket.number
    services.dispatch(agent, ticket, department(LEAD))
    ticket.refresh_from_db()
    assert ticket.number == number  # 重办 under the same number

    kinds = list(ticket.events.values_list("kind", flat=True))
    for kind in (
        EventKind.CREATED,
        EventKind.REFUSED,
        EventKind.OPINION,
        EventKind.EXTENSION_APPROVED,
        EventKind.REPLY_RETURNED,
        EventKind.CLOSED,
        EventKind.RATED,
        EventKind.REOPENED,
    ):
        assert kind in kinds
    from pengcheng.audit.models import AuditRecord

    actions = set(AuditRecord.objects.filter(object_id=str(ticket.pk)).values_list("action", flat=True))
    assert {"hotline.ticket_created", "hotline.refused", "hotline.closed", "hotline.reopened"} <= actions


def test_merging_informs_every_caller(demo_city: None) -> None:
    from pengcheng.notifications.models import Notification

    parent = ticket_in(Status.HANDLING, caller_phone="19900002001")
    duplicate = new_ticket(caller_phone="19900002002")
    services.merge(SYSTEM, duplicate, parent)
    assert Notification.objects.filter(address="19900002002", subject__contains=duplicate.number).count() == 2
    services.reply(SYSTEM, parent, "已处理。")
    services.close(SYSTEM, parent, "问题已解决。")
    told = Notification.objects.filter(address="19900002002").order_by("-id").first()
    assert told is not None and "问题已解决" in told.body
    assert Notification.objects.filter(address="19900002001", body__contains="/hotline/rate/").exists()
