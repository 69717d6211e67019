"""Who may do what with a ticket.

- The 12345 centre (agents and supervisors in a hotline-centre department) takes, dispatches,
  reviews and closes tickets; its supervisors approve extensions and set 督办 flags.
- A department acts on tickets assigned to it: the lead department accepts, refuses, replies and
  asks for extensions; assisting departments give opinions.
- Operators and administrators see everything, but, like any supervisor outside the handling
  chain, see callers masked.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from pengcheng.core.actors import MaybeActor, SystemActor
from pengcheng.core.errors import AccessDenied
from pengcheng.core.models import Department, DepartmentKind, Role, User
from pengcheng.core.permissions import scope_of
from pengcheng.hotline.models import Ticket, TicketAssignment

_CACHE_ATTR = "_pengcheng_hotline_roles"
DEPARTMENT_ROLES = (Role.CLERK, Role.SUPERVISOR)


@dataclass(frozen=True)
class HotlineScope:
    centre_roles: frozenset[str]  # roles held in a 12345 centre
    departments: frozenset[int]  # departments where the actor is a clerk or supervisor
    platform: bool

    @property
    def dispatcher(self) -> bool:
        return self.platform or bool(self.centre_roles & {Role.HOTLINE_AGENT, Role.SUPERVISOR})

    @property
    def centre_supervisor(self) -> bool:
        return self.platform or Role.SUPERVISOR in self.centre_roles


def hotline_scope(actor: MaybeActor) -> HotlineScope:
    if isinstance(actor, SystemActor):
        return HotlineScope(frozenset(), frozenset(), True)
    cached: HotlineScope | None = getattr(actor, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = scope_of(actor)
    centres = set(
        Department.objects.filter(pk__in=scope.department_roles.keys(), kind=DepartmentKind.HOTLINE_CENTRE).values_list(
            "pk", flat=True
        )
    )
    centre_roles = frozenset(
        role for dept, roles in scope.department_roles.items() if dept in centres for role in roles
    )
    result = HotlineScope(centre_roles, frozenset(scope.departments_with(*DEPARTMENT_ROLES)), scope.platform_wide)
    if isinstance(actor, User):
        setattr(actor, _CACHE_ATTR, result)
    return result


def require_dispatcher(actor: MaybeActor, action: str, ticket: Ticket | None = None) -> HotlineScope:
    scope = hotline_scope(actor)
    if not scope.dispatcher:
        raise AccessDenied(f"hotline.{action}", target=ticket, reason="12345 centre agents and supervisors only")
    return scope


def require_centre_supervisor(actor: MaybeActor, action: str, ticket: Ticket | None = None) -> HotlineScope:
    scope = hotline_scope(actor)
    if not scope.centre_supervisor:
        raise AccessDenied(f"hotline.{action}", target=ticket, reason="12345 centre supervisors only")
    return scope


def require_lead(actor: MaybeActor, ticket: Ticket, action: str) -> HotlineScope:
    """Staff of the ticket's lead department (or the platform)."""
    scope = hotline_scope(actor)
    if scope.platform or (ticket.lead_department_id is not None and ticket.lead_department_id in scope.departments):
        return scope
    raise AccessDenied(f"hotline.{action}", target=ticket, reason="the lead department's staff only")


def active_assist_departments(ticket: Ticket) -> set[int]:
    return set(
        TicketAssignment.objects.filter(ticket=ticket, role="assist", ended_at__isnull=True).values_list(
            "department_id", flat=True
        )
    )


def chain_departments(ticket: Ticket) -> set[int]:
    """Every department that has had a part in the ticket (lead or assisting, past or present)."""
    return set(TicketAssignment.objects.filter(ticket=ticket).values_list("department_id", flat=True))


def in_chain(actor: MaybeActor, ticket: Ticket) -> bool:
    scope = hotline_scope(actor)
    return bool(scope.departments & chain_departments(ticket))


def can_view(actor: MaybeActor, ticket: Ticket) -> bool:
    scope = hotline_scope(actor)
    if scope.platform or scope.centre_roles:
        return True
    if scope.departments & chain_departments(ticket):
        return True
    return scope_of(actor).covers_division(ticket.division_id or ticket.district_code) and Role.SUPERVISOR in (
        scope_of(actor).roles
    )


def require_view(actor: MaybeActor, ticket: Ticket) -> None:
    if not can_view(actor, ticket):
        raise AccessDenied("hotline.view", target=ticket, reason="outside the ticket's handling chain")


def can_see_caller(actor: MaybeActor, ticket: Ticket) -> bool:
    """The 12345 centre always; departments in the handling chain unless the caller asked for
    anonymity; nobody else (operators and supervisors outside the chain see masked values)."""
    scope = hotline_scope(actor)
    if scope.centre_roles:
        return True
    return not ticket.anonymous and bool(scope.departments & chain_departments(ticket))


def visible_tickets(actor: MaybeActor) -> QuerySet[Ticket]:
    """The tickets an actor's console lists."""
    scope = hotline_scope(actor)
    tickets = Ticket.objects.all()
    if scope.platform or scope.centre_roles:
        return tickets
    query = Q(assignments__department_id__in=scope.departments)
    staff_scope = scope_of(actor)
    if Role.SUPERVISOR in staff_scope.roles and staff_scope.division_prefixes:
        for prefix in staff_scope.division_prefixes:
            query |= Q(division__code__startswith=prefix)
    if not scope.departments and Role.SUPERVISOR not in staff_scope.roles:
        return tickets.none()
    return tickets.filter(query).distinct()
