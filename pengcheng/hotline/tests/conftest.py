"""Hotline test fixtures: fresh per-process caches, and tickets in any state of the closed loop."""

from collections.abc import Iterator
from typing import Any

import pytest

from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import Department
from pengcheng.hotline import deadlines, location, routing, selectors, services
from pengcheng.hotline.models import Channel, Rating, RequestType, Status, Ticket


@pytest.fixture(autouse=True)
def _fresh_hotline_caches() -> Iterator[None]:
    """Routing rules, time limits and categories are cached per process; a test's rolled-back rows
    must not outlive it."""
    yield
    selectors.forget_categories()
    routing.forget_rules()
    deadlines.forget_rules()
    location.forget_gazetteer()


def category(code: str = "0102001") -> Any:
    found = selectors.category_by_code(code)
    assert found is not None, f"no category {code} in the demo tree"
    return found


def department(code: str) -> Department:
    return Department.objects.get(code=code)


def new_ticket(actor: Any = SYSTEM, **fields: Any) -> Ticket:
    data = {
        "request_type": RequestType.COMPLAINT,
        "description": "路灯不亮，晚上很黑。",
        "channel": Channel.PHONE,
        "caller_phone": "19900001234",
        "caller_name": "测试来电人",
        "address": "福田区园岭街道百花社区",
        "category": category(),
    }
    data.update(fields)
    return services.create_ticket(actor, services.TicketInput(**data))


LEAD = "440300-SCJGJ"
OTHER = "440300-ZJJ"


def ticket_in(status: str, **fields: Any) -> Ticket:
    """A ticket brought to ``status`` through the services, as the platform itself."""
    ticket = new_ticket(**fields)
    if status == Status.RECEIVED:
        return ticket
    if status == Status.MERGED:
        parent = new_ticket()
        return services.merge(SYSTEM, ticket, parent)
    services.dispatch(SYSTEM, ticket, department(LEAD))
    if status == Status.DISPATCHED:
        return Ticket.objects.get(pk=ticket.pk)
    services.accept(SYSTEM, ticket)
    if status == Status.HANDLING:
        return Ticket.objects.get(pk=ticket.pk)
    services.reply(SYSTEM, ticket, "已处理。")
    if status == Status.REPLIED:
        return Ticket.objects.get(pk=ticket.pk)
    services.close(SYSTEM, ticket)
    if status == Status.CLOSED:
        return Ticket.objects.get(pk=ticket.pk)
    services.rate(SYSTEM, ticket, Rating.UNSATISFIED)
    return Ticket.objects.get(pk=ticket.pk)
