"""The staff console (/console/): a home page per role and the platform pages for operators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pengcheng.audit import selectors as audit_selectors
from pengcheng.audit.services import verify_chain
from pengcheng.core import navigation, selectors
from pengcheng.core.errors import AccessDenied, ValidationFailed
from pengcheng.core.models import DepartmentLevel, Division, DivisionLevel, Role, User
from pengcheng.core.permissions import has_role, require_platform_role, scope_of
from pengcheng.jobs.selectors import job_overview
from pengcheng.workdays import selectors as calendar
from pengcheng.workdays import services as calendar_services

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Signed-in staff only: others are sent to log in, or refused (and the refusal audited)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not scope_of(request.user).roles:
            raise AccessDenied("console.enter", reason="staff only")
        return view(request, *args, **kwargs)

    return wrapper


def paginate(request: HttpRequest, items: Any, per_page: int = 25) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


ROLE_HOME_TEXT = {
    Role.CLERK: _("Handle applications in your department's queue, against their deadlines."),
    Role.SUPERVISOR: _("Watch your departments' overdue work and your staff."),
    Role.HOTLINE_AGENT: _("Take calls and messages, answer from the knowledge base, create and dispatch tickets."),
    Role.DATA_OFFICER: _("Publish and share your department's data, and approve requests for it."),
    Role.OPERATOR: _("Run the platform: catalogue, calendar, clients, jobs and the audit log."),
    Role.ADMIN: _("Administer accounts, roles and every platform setting."),
}


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    role_cards = [
        {"role": role, "label": Role(role).label, "text": ROLE_HOME_TEXT[Role(role)]}
        for role in Role.values
        if role in scope.roles
    ]
    context: dict[str, Any] = {
        "role_cards": role_cards,
        "positions": selectors.positions_of(request.user),  # type: ignore[arg-type]
        "groups": navigation.console_groups(request.user),
        "platform": scope.platform_wide,
    }
    if scope.platform_wide:
        context["calendar_warnings"] = calendar.coverage_warnings()
        context["last_verification"] = audit_selectors.latest_verification()
        context["counts"] = selectors.population_counts()
    return render(request, "core/console/home.html", context)


@staff_required
def staff(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    department = request.GET.get("department", "")
    sort = request.GET.get("sort", "username")
    people = selectors.search_staff(request.user, text=text, role=role, department=department, sort=sort)
    page = paginate(request, people.prefetch_related("positions__department"))
    return render(
        request,
        "core/console/staff.html",
        {
            "page": page,
            "q": text,
            "role": role,
            "department": department,
            "sort": sort,
            "roles": Role.choices,
            "is_admin": has_role(request.user, Role.ADMIN),  # may reset a lost authenticator
        },
    )


@staff_required
def departments(request: HttpRequest) -> HttpResponse:
    require_platform_role(request.user, action="departments.view")
    text = request.GET.get("q", "").strip()
    level = request.GET.get("level", "")
    page = paginate(request, selectors.search_departments(text, level))
    return render(
        request,
        "core/console/departments.html",
        {"page": page, "q": text, "level": level, "levels": DepartmentLevel.choices},
    )


@staff_required
def divisions(request: HttpRequest) -> HttpResponse:
    require_platform_role(request.user, action="divisions.view")
    parent_code = request.GET.get("parent") or None
    text = request.GET.get("q", "").strip()
    parent = Division.objects.filter(pk=parent_code).first() if parent_code else None
    if text:
        items = selectors.search_divisions(text, within=parent_code or "")
    else:
        items = selectors.division_children(parent.code if parent else None)
    return render(
        request,
        "core/console/divisions.html",
        {
            "page": paginate(request, items, 50),
            "parent": parent,
            "q": text,
            "trail": selectors.division_ancestors(parent) if parent else [],
            "levels": dict(DivisionLevel.choices),
        },
    )


class NoticeForm(forms.Form):
    notice = forms.CharField(
        label=_("Text of the State Council notice"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Paste the notice, e.g. 国务院办公厅关于2027年部分节假日安排的通知. It replaces that year."),
    )
    reference = forms.CharField(label=_("Document number"), max_length=200, required=False)


@staff_required
def calendar_view(request: HttpRequest) -> HttpResponse:
    require_platform_role(request.user, action="workdays.view")
    try:
        year = int(request.GET.get("year", timezone.localdate().year))
    except ValueError:
        year = timezone.localdate().year
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = calendar_services.import_notice(
                cast(User, request.user), form.cleaned_data["notice"], reference=form.cleaned_data["reference"]
            )
        except ValidationFailed as exc:
            for errors in exc.field_errors.values():
                for error in errors:
                    form.add_error("notice", error)
        else:
            messages.success(
                request,
                _("%(year)s loaded: %(h)s holidays, %(w)s make-up working days.")
                % {"year": result.year, "h": result.holidays, "w": result.workdays},
            )
            return redirect(f"{request.path}?year={result.year}")
    days = calendar.days_in_year(year)
    return render(
        request,
        "core/console/calendar.html",
        {
            "year": year,
            "days": days,
            "form": form,
            "warnings": calendar.coverage_warnings(),
            "covered": year not in calendar.uncovered_years([year]),
            "next_deadline_example": calendar.add_working_days(timezone.localdate(), 20),
            "today": timezone.localdate(),
            "years": [year - 1, year, year + 1],
        },
    )


@staff_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        require_platform_role(request.user, action="audit.verify")
        outcome = verify_chain()
        if outcome.ok:
            messages.success(request, _("Audit chain intact: %(n)s records verified.") % {"n": outcome.records_checked})
        else:
            messages.error(request, _("Audit chain broken: %(n)s problem(s) found.") % {"n": len(outcome.problems)})
        return redirect("console:audit")
    text = request.GET.get("q", "").strip()
    action = request.GET.get("action", "").strip()
    records = audit_selectors.search_records(request.user, text=text, action=action)
    return render(
        request,
        "core/console/audit.html",
        {
            "page": paginate(request, records, 50),
            "q": text,
            "action": action,
            "last_verification": audit_selectors.latest_verification(),
        },
    )


@staff_required
def jobs(request: HttpRequest) -> HttpResponse:
    overview = job_overview(request.user)
    return render(request, "core/console/jobs.html", {"overview": overview, "now": dt.datetime.now(dt.UTC)})
