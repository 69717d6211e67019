"""Core JSON API: the caller's account, divisions and departments."""

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from pengcheng.api import actor_of
from pengcheng.core import selectors
from pengcheng.core.errors import NotFound
from pengcheng.core.models import Department, Division, User
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
@paginate(LimitOffsetPagination)
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
@paginate(LimitOffsetPagination)
def list_departments(request: HttpRequest, filters: Query[DepartmentFilter]) -> object:
    return selectors.search_departments(filters.q, filters.level, filters.division)


@router.get("/departments/{code}", response=DepartmentOut, summary="One department")
def get_department(request: HttpRequest, code: str) -> Department:
    department = Department.objects.select_related("parent").filter(code=code).first()
    if department is None:
        raise NotFound(f"No department with code {code!r}.")
    return department
