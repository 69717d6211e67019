"""Role and scope checks. Services call these; a failed check raises ``AccessDenied``.

A staff member holds roles in departments. Operators and admins act platform-wide; every other role
acts for its departments, within the divisions those departments serve.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext

from pengcheng.core.actors import MaybeActor, SystemActor
from pengcheng.core.errors import AccessDenied
from pengcheng.core.models import (
    PLATFORM_ROLES,
    AgentRole,
    Company,
    CompanyAgent,
    Department,
    Division,
    Role,
    StaffPosition,
    User,
)

_CACHE_ATTR = "_pengcheng_staff_scope"


@dataclass(frozen=True)
class StaffScope:
    """What a staff member may see: roles per department, and the division prefixes served."""

    roles: frozenset[str]
    department_roles: dict[int, frozenset[str]]
    division_prefixes: tuple[str, ...]

    @property
    def platform_wide(self) -> bool:
        return bool(self.roles & PLATFORM_ROLES)

    def departments_with(self, *roles: str) -> set[int]:
        wanted = set(roles)
        return {dept for dept, held in self.department_roles.items() if not wanted or held & wanted}

    def covers_division(self, code: str | None) -> bool:
        if self.platform_wide:
            return True
        if not code:
            return False
        return any(code.startswith(prefix) for prefix in self.division_prefixes)


_EMPTY = StaffScope(frozenset(), {}, ())


def scope_of(actor: MaybeActor) -> StaffScope:
    """The actor's staff scope, loaded once per request (cached on the user object)."""
    if isinstance(actor, SystemActor):
        return StaffScope(frozenset(PLATFORM_ROLES), {}, ("",))
    if not isinstance(actor, User) or not actor.is_active:
        return _EMPTY
    cached: StaffScope | None = getattr(actor, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    department_roles: dict[int, set[str]] = {}
    for department_id, role in StaffPosition.objects.filter(user=actor).values_list("department_id", "role"):
        department_roles.setdefault(department_id, set()).add(role)
    roles = frozenset(role for held in department_roles.values() for role in held)
    if actor.is_superuser:
        roles = roles | {Role.ADMIN}
    prefixes = tuple(
        sorted(
            set(
                Division.objects.filter(serving_departments__in=department_roles.keys()).values_list(
                    "prefix", flat=True
                )
            )
        )
    )
    scope = StaffScope(roles, {d: frozenset(r) for d, r in department_roles.items()}, prefixes)
    setattr(actor, _CACHE_ATTR, scope)
    return scope


def forget_scope(actor: MaybeActor) -> None:
    if hasattr(actor, _CACHE_ATTR):
        delattr(actor, _CACHE_ATTR)


def has_role(actor: MaybeActor, *roles: str) -> bool:
    """True if the actor holds any of ``roles`` (operators and admins hold every staff power)."""
    scope = scope_of(actor)
    return bool(scope.roles & set(roles)) or scope.platform_wide


def is_staff_member(actor: MaybeActor) -> bool:
    return bool(scope_of(actor).roles)


def require_role(actor: MaybeActor, *roles: str, action: str, target: object = None) -> StaffScope:
    """Raise ``AccessDenied`` unless the actor holds one of ``roles``; return the scope."""
    scope = scope_of(actor)
    if not (scope.roles & set(roles) or scope.platform_wide):
        raise AccessDenied(action, target=target, reason="role required: " + ", ".join(roles))
    return scope


def require_platform_role(actor: MaybeActor, *, action: str, target: object = None) -> StaffScope:
    scope = scope_of(actor)
    if not scope.platform_wide:
        raise AccessDenied(action, target=target, reason="operator or administrator role required")
    return scope


def require_department(
    actor: MaybeActor, department_id: int | None, *roles: str, action: str, target: object = None
) -> StaffScope:
    """Raise unless the actor holds one of ``roles`` in ``department_id`` (or acts platform-wide)."""
    scope = scope_of(actor)
    if scope.platform_wide:
        return scope
    if department_id is None or department_id not in scope.departments_with(*roles):
        raise AccessDenied(action, target=target, reason="outside the actor's departments")
    return scope


def division_filter(actor: MaybeActor, field: str) -> Q:
    """A filter restricting ``field`` (a division code) to the divisions the actor serves."""
    scope = scope_of(actor)
    if scope.platform_wide:
        return Q()
    if not scope.division_prefixes:
        return Q(pk__in=[])
    query = Q()
    for prefix in scope.division_prefixes:
        query |= Q(**{f"{field}__startswith": prefix})
    return query


def department_filter(actor: MaybeActor, field: str, *roles: str) -> Q:
    """A filter restricting ``field`` (a department id) to the actor's departments."""
    scope = scope_of(actor)
    if scope.platform_wide:
        return Q()
    return Q(**{f"{field}__in": scope.departments_with(*roles)})


def departments_of(actor: MaybeActor) -> list[Department]:
    scope = scope_of(actor)
    return list(Department.objects.filter(pk__in=scope.department_roles.keys()))


def is_company_representative(actor: MaybeActor, company_id: int) -> bool:
    """Whether ``actor`` is the company's legal representative, by an authorisation in force."""
    if not isinstance(actor, User) or not actor.is_active:
        return False
    return CompanyAgent.objects.filter(
        CompanyAgent.in_force(), company_id=company_id, user=actor, role=AgentRole.LEGAL_REPRESENTATIVE
    ).exists()


def require_company_manager(actor: MaybeActor, company: Company, *, action: str) -> bool:
    """Raise ``AccessDenied`` unless ``actor`` may manage the company's agents: its legal representative
    or an operator (administrators, the platform). Returns whether the actor acts platform-wide."""
    if scope_of(actor).platform_wide:
        return True
    if is_company_representative(actor, company.pk):
        return False
    raise AccessDenied(
        action, target=company, reason=gettext("Only the company's legal representative may manage its agents.")
    )
