"""Hotline tickets with known answers, made through the hotline's own services."""

from dataclasses import dataclass
from typing import Any

from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import Department, Role
from pengcheng.hotline import selectors as hotline_selectors
from pengcheng.hotline import services as hotline
from pengcheng.hotline.models import Category, Channel, RoutingRule, Ticket
from pengcheng.nlp.pipeline import Options
from pengcheng.nlp.tests.samples import rows
from pengcheng.testing import make_staff

SMALL = Options(lsa_dims=16)


@dataclass
class World:
    categories: dict[str, Category]  # sample category prefix → a leaf category
    departments: dict[str, Department]  # sample department suffix → a department
    dispatcher: Any
    supervisor: Any


def world() -> World:
    """Three leaf categories whose routing never dispatches automatically, and three departments."""
    automatic = {rule.category_id for rule in RoutingRule.objects.filter(auto_dispatch=True)}
    leaves = [c for c in hotline_selectors.services() if c.pk not in automatic and c.parent_id not in automatic]
    picked = [leaves[0], leaves[len(leaves) // 2], leaves[-1]]
    departments = list(Department.objects.filter(kind="bureau", is_active=True).order_by("code")[:3])
    centre = Department.objects.get(code="440300-RX12345")
    return World(
        dict(zip(("0301", "0102", "0501"), picked, strict=True)),
        dict(zip(("STHJJ", "CGJ", "RSJ"), departments, strict=True)),
        make_staff(Role.HOTLINE_AGENT, centre),
        make_staff(Role.SUPERVISOR, centre),
    )


def ticket(place: World, text: str, kind: str, category: str, *, actor: Any = SYSTEM) -> Ticket:
    return hotline.create_ticket(
        actor,
        hotline.TicketInput(
            request_type=kind,
            description=text,
            channel=Channel.PHONE,
            caller_phone="19900001234",
            category=place.categories[category],
            address="福田区园岭街道百花社区",
        ),
    )


def dispatched_tickets(place: World) -> list[Ticket]:
    """The sample rows as tickets, each dispatched to its department."""
    made = []
    for text, kind, department, category in rows():
        found = ticket(place, text, kind, category)
        hotline.dispatch(SYSTEM, found, place.departments[department])
        made.append(found)
    return made
