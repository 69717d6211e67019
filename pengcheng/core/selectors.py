"""Reads for divisions, departments, staff, companies and API keys."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.core.actors import MaybeActor
from pengcheng.core.errors import NotFound
from pengcheng.core.models import (
    LEVEL_DEPTH,
    AccountKind,
    ApiKey,
    Company,
    CompanyAgent,
    Department,
    Division,
    DivisionLevel,
    Role,
    StaffPosition,
    User,
)
from pengcheng.core.permissions import require_company_manager, require_platform_role, require_role


def division_children(parent_code: str | None) -> QuerySet[Division]:
    """The divisions directly under ``parent_code`` (the top level when None)."""
    if parent_code is None:
        return Division.objects.filter(parent__isnull=True)
    return Division.objects.filter(parent_id=parent_code)


def division_ancestors(division: Division) -> list[Division]:
    """From the top level down to ``division`` itself."""
    chain = [division]
    current = division
    while current.parent_id:
        current = Division.objects.get(pk=current.parent_id)
        chain.append(current)
    return list(reversed(chain))


def search_divisions(text: str = "", level: str = "", within: str = "") -> QuerySet[Division]:
    divisions = Division.objects.all()
    if text:
        divisions = divisions.filter(Q(name__contains=text) | Q(short_name__contains=text) | Q(code__startswith=text))
    if level:
        divisions = divisions.filter(level=level)
    if within:
        container = Division.objects.filter(pk=within).first()
        divisions = divisions.filter(code__startswith=container.prefix) if container else divisions.none()
    return divisions.order_by("code")


def descendants(division: Division, level: str | None = None) -> QuerySet[Division]:
    deeper = [lvl for lvl, depth in LEVEL_DEPTH.items() if depth > LEVEL_DEPTH[DivisionLevel(division.level)]]
    query = Division.objects.filter(code__startswith=division.prefix, level__in=deeper)
    return query.filter(level=level) if level else query


def city_divisions() -> QuerySet[Division]:
    return Division.objects.filter(level=DivisionLevel.CITY)


def search_departments(text: str = "", level: str = "", division: str = "") -> QuerySet[Department]:
    departments = Department.objects.select_related("division", "parent")
    if text:
        departments = departments.filter(
            Q(name__contains=text) | Q(short_name__contains=text) | Q(code__icontains=text) | Q(name_en__icontains=text)
        )
    if level:
        departments = departments.filter(level=level)
    if division:
        departments = departments.filter(division_id=division)
    return departments.annotate(staff_count=Count("positions__user", distinct=True)).order_by("code")


def departments_serving(division_code: str) -> QuerySet[Department]:
    """Departments whose served divisions contain ``division_code``."""
    prefixes = [division_code[:n] for n in (2, 4, 6, 9, 12) if n <= len(division_code)]
    return Department.objects.filter(served_divisions__prefix__in=prefixes).distinct()


STAFF_SORTS = {
    "name": "full_name",
    "-name": "-full_name",
    "username": "username",
    "-username": "-username",
    "joined": "date_joined",
    "-joined": "-date_joined",
}


def search_staff(
    actor: MaybeActor, *, text: str = "", role: str = "", department: str = "", sort: str = "username"
) -> QuerySet[User]:
    """Staff accounts, for operators (everyone) and supervisors (their own departments)."""
    scope = require_role(actor, Role.SUPERVISOR, action="staff.search")
    staff = User.objects.filter(positions__isnull=False)
    if not scope.platform_wide:
        staff = staff.filter(positions__department_id__in=scope.departments_with(Role.SUPERVISOR))
    if text:
        staff = staff.filter(Q(username__icontains=text) | Q(full_name__contains=text) | Q(email__icontains=text))
    if role:
        staff = staff.filter(positions__role=role)
    if department:
        staff = staff.filter(positions__department__code=department)
    return staff.distinct().order_by(STAFF_SORTS.get(sort, "username"))


def positions_of(user: User) -> QuerySet[StaffPosition]:
    return StaffPosition.objects.filter(user=user).select_related("department").order_by("department__code", "role")


def active_agent_grants(user: User) -> QuerySet[CompanyAgent]:
    return (
        CompanyAgent.objects.filter(CompanyAgent.in_force(), user=user)
        .select_related("company")
        .order_by("company__name")
    )


def company_by_id(company_id: int) -> Company:
    """A company by id (companies are public registry entries), or ``NotFound``."""
    found = Company.objects.filter(pk=company_id).first()
    if found is None:
        raise NotFound(_("No such company."))
    return found


def company_agents(actor: MaybeActor, company: Company) -> QuerySet[CompanyAgent]:
    """The company's authorisations in force (legal representative first, then by date), for its legal
    representative or an operator."""
    require_company_manager(actor, company, action="company.agents")
    return (
        CompanyAgent.objects.filter(CompanyAgent.in_force(), company=company)
        .select_related("user")
        .order_by("-role", "granted_at", "pk")  # "legal_rep" sorts after "agent": -role puts it first
    )


def company_agent_in_force(actor: MaybeActor, company: Company, grant_id: int) -> CompanyAgent:
    """One of ``company``'s authorisations in force, for its legal representative or an operator, or
    ``NotFound``."""
    grant = company_agents(actor, company).filter(pk=grant_id).select_related("company").first()
    if grant is None:
        raise NotFound(_("This authorisation is not in force."))
    return grant


def find_person(text: str, *, full_name: str | None = None) -> User | None:
    """The active citizen account with this identity number or user name (as a counter finds a person).
    With ``full_name``, only if the account carries that real name: someone who knows a person's name
    and number may find their account, and a number alone tells nothing about who has one."""
    text = text.strip()
    if not text:
        return None
    people = User.objects.filter(kind=AccountKind.CITIZEN, is_active=True)
    person = people.filter(id_number=text.upper()).first() or people.filter(username=text).first()
    if person is not None and full_name is not None and _name_key(person.full_name) != _name_key(full_name):
        return None
    return person


def _name_key(name: str) -> str:
    # Names are compared as people type them: spaces and the middle dot of minority names vary.
    return "".join(name.split()).replace("·", "").replace("•", "").replace(".", "").casefold()


ACTING_COMPANY_SESSION_KEY = "pengcheng.acting_company"


def acting_company(request: HttpRequest) -> Company | None:
    """The company the signed-in user currently acts for, if any, re-checked against their grants."""
    company_id = request.session.get(ACTING_COMPANY_SESSION_KEY)
    if not company_id or not isinstance(request.user, User):
        return None
    grant = active_agent_grants(request.user).filter(company_id=company_id).first()
    return grant.company if grant else None


def search_companies(actor: MaybeActor, text: str = "") -> QuerySet[Company]:
    require_platform_role(actor, action="company.search")
    companies = Company.objects.all()
    if text:
        companies = companies.filter(Q(name__contains=text) | Q(credit_code__startswith=text.upper()))
    return companies.order_by("name")


_API_KEY_CACHE_SECONDS = 30
_LAST_USED_RESOLUTION = timedelta(minutes=5)


def api_key_for(raw: str) -> ApiKey | None:
    """The usable key matching ``raw``, or None. Cached briefly so that a busy client costs no query
    per request; ``last_used_at`` is written at most every few minutes."""
    from pengcheng.core.services import hash_api_key

    if not raw or len(raw) > 200:
        return None
    digest = hash_api_key(raw)
    cache_key = f"pengcheng:apikey:{digest}"
    key: ApiKey | None = cache.get(cache_key)
    if key is None:
        key = ApiKey.objects.select_related("owner").filter(key_hash=digest).first()
        if key is None:
            return None
        cache.set(cache_key, key, _API_KEY_CACHE_SECONDS)
    if not key.is_usable():
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
        cache.set(cache_key, key, _API_KEY_CACHE_SECONDS)
    return key


def forget_api_key(key: ApiKey) -> None:
    cache.delete(f"pengcheng:apikey:{key.key_hash}")


def population_counts() -> dict[str, int]:
    return {
        "divisions": Division.objects.count(),
        "departments": Department.objects.count(),
        "citizens": User.objects.filter(kind="citizen").count(),
        "staff": User.objects.filter(kind="staff").count(),
        "companies": Company.objects.count(),
    }
