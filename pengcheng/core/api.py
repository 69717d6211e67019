"""Core JSON API: the caller's account, divisions and departments, and a company's agents and the
powers they hold."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from pengcheng.api import Pagination, actor_of, require_scope
from pengcheng.core import agent_powers, selectors, services
from pengcheng.core.errors import AccessDenied, NotFound
from pengcheng.core.models import CompanyAgent, Department, Division, User
from pengcheng.core.permissions import scope_of

API_PREFIX = "/"
router = Router(tags=["core"])


class DivisionOut(Schema):
    code: str
    name: str
    short_name: str
    level: str
    parent_id: str | None


class DepartmentOut(Schema):
    code: str
    name: str
    name_en: str
    level: str
    kind: str
    division_id: str
    parent_code: str | None

    @staticmethod
    def resolve_parent_code(obj: Department) -> str | None:
        return obj.parent.code if obj.parent_id and obj.parent else None


class PositionOut(Schema):
    department: str
    role: str


class MeOut(Schema):
    username: str
    full_name: str
    kind: str
    assurance_level: int
    id_number: str
    phone: str
    roles: list[str]
    positions: list[PositionOut]


class DivisionFilter(Schema):
    q: str = ""
    level: str = ""
    within: str = ""


class DepartmentFilter(Schema):
    q: str = ""
    level: str = ""
    division: str = ""


@router.get("/me", response=MeOut, summary="The calling account")
def me(request: HttpRequest) -> MeOut:
    actor = actor_of(request)
    if not isinstance(actor, User):
        raise NotFound("This API key belongs to no account.")
    return MeOut(
        username=actor.username,
        full_name=actor.full_name,
        kind=actor.kind,
        assurance_level=actor.assurance_level,
        id_number=actor.masked_id_number,
        phone=actor.masked_phone,
        roles=sorted(scope_of(actor).roles),
        positions=[PositionOut(department=p.department.code, role=p.role) for p in selectors.positions_of(actor)],
    )


@router.get("/divisions", response=list[DivisionOut], summary="Search administrative divisions")
@paginate(Pagination)
def list_divisions(request: HttpRequest, filters: Query[DivisionFilter]) -> object:
    return selectors.search_divisions(filters.q, filters.level, filters.within)


@router.get("/divisions/{code}", response=DivisionOut, summary="One division")
def get_division(request: HttpRequest, code: str) -> Division:
    division = Division.objects.filter(pk=code).first()
    if division is None:
        raise NotFound(f"No division with code {code!r}.")
    return division


@router.get("/divisions/{code}/children", response=list[DivisionOut], summary="Divisions directly under one")
def division_children(request: HttpRequest, code: str) -> object:
    if not Division.objects.filter(pk=code).exists():
        raise NotFound(f"No division with code {code!r}.")
    return list(selectors.division_children(code))


@router.get("/departments", response=list[DepartmentOut], summary="Search departments")
@paginate(Pagination)
def list_departments(request: HttpRequest, filters: Query[DepartmentFilter]) -> object:
    return selectors.search_departments(filters.q, filters.level, filters.division)


@router.get("/departments/{code}", response=DepartmentOut, summary="One department")
def get_department(request: HttpRequest, code: str) -> Department:
    department = Department.objects.select_related("parent").filter(code=code).first()
    if department is None:
        raise NotFound(f"No department with code {code!r}.")
    return department


# Company agents (经办人管理): the same services as the page at /me/companies/<id>/agents/ ----------------


class AgentOut(Schema):
    id: int
    full_name: str
    id_number: str
    role: str
    granted_at: datetime
    expires_at: datetime | None
    powers: list[str] = Field(description="the powers this authorisation holds, e.g. data-consent")

    @staticmethod
    def resolve_full_name(obj: CompanyAgent) -> str:
        return obj.user.display_name

    @staticmethod
    def resolve_powers(obj: CompanyAgent) -> list[str]:
        held: list[str] | None = getattr(obj, "held_powers", None)  # set by the list, for all rows at once
        return held if held is not None else agent_powers.held_by([obj])[obj.pk]

    @staticmethod
    def resolve_id_number(obj: CompanyAgent) -> str:
        return obj.user.masked_id_number


class AgentIn(Schema):
    full_name: str = Field(min_length=1, max_length=60, description="the person's real name")
    person: str = Field(min_length=1, max_length=150, description="identity number or user name")


def _person(request: HttpRequest, action: str) -> User:
    """Agents are managed by people (a legal representative, an operator), not by keys of no one."""
    require_scope(request, "core")
    actor = actor_of(request)
    if not isinstance(actor, User):
        raise AccessDenied(action, reason="this API key belongs to no account")
    return actor


class AgentPowerOut(Schema):
    key: str
    label: str
    description: str


@router.get("/companies/{company_id}/agents", response=list[AgentOut], summary="A company's agents in force")
def list_company_agents(request: HttpRequest, company_id: int) -> object:
    grants = list(selectors.company_agents(_person(request, "company.agents"), selectors.company_by_id(company_id)))
    held = agent_powers.held_by(grants)  # one query per power for the whole list
    for grant in grants:
        grant.held_powers = held[grant.pk]  # type: ignore[attr-defined]
    return grants


@router.get("/agent-powers", response=list[AgentPowerOut], summary="The powers an agent's authorisation may hold")
def list_agent_powers(request: HttpRequest) -> object:
    return [
        {"key": power.key, "label": str(power.label), "description": str(power.description)}
        for power in agent_powers.registered()
    ]


@router.post(
    "/companies/{company_id}/agents", response={201: AgentOut}, summary="Authorise a person to act for a company"
)
def add_company_agent(request: HttpRequest, company_id: int, payload: AgentIn) -> Status[CompanyAgent]:
    actor = _person(request, "company.grant_agent")
    grant = services.add_agent(
        actor, selectors.company_by_id(company_id), full_name=payload.full_name, person=payload.person
    )
    return Status(201, grant)


@router.delete("/companies/{company_id}/agents/{grant_id}", response=AgentOut, summary="Revoke an authorisation")
def revoke_company_agent(request: HttpRequest, company_id: int, grant_id: int) -> CompanyAgent:
    actor = _person(request, "company.revoke_agent")
    grant = selectors.company_agent_in_force(actor, selectors.company_by_id(company_id), grant_id)
    return services.revoke_agent(actor, grant)


def _grant_and_power(
    request: HttpRequest, company_id: int, grant_id: int, key: str
) -> tuple[User, CompanyAgent, agent_powers.AgentPower]:
    """The caller, one of the company's authorisations in force (which checks the caller may manage
    them), and the named power, or ``NotFound``."""
    actor = _person(request, "company.agent_power")
    grant = selectors.company_agent_in_force(actor, selectors.company_by_id(company_id), grant_id)
    found = agent_powers.get(key)
    if found is None:
        raise NotFound(f"No agent power {key!r}.")
    return actor, grant, found


@router.put(
    "/companies/{company_id}/agents/{grant_id}/powers/{power}",
    response=AgentOut,
    summary="Give an agent a power (e.g. data-consent), through the app that owns it",
)
def give_agent_power(request: HttpRequest, company_id: int, grant_id: int, power: str) -> CompanyAgent:
    actor, grant, found = _grant_and_power(request, company_id, grant_id, power)
    found.grant(actor, grant)
    return grant


@router.delete(
    "/companies/{company_id}/agents/{grant_id}/powers/{power}",
    response=AgentOut,
    summary="Withdraw a power from an agent",
)
def withdraw_agent_power(request: HttpRequest, company_id: int, grant_id: int, power: str) -> CompanyAgent:
    actor, grant, found = _grant_and_power(request, company_id, grant_id, power)
    found.withdraw(actor, grant)
    return grant
