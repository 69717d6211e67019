"""Reads of applications: the applicant's list and timeline, the clerk work queue, operator metrics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from pengcheng.applications.models import DECIDED_STATES, OPEN_STATES, Action, Application, Event, State
from pengcheng.applications.services import (
    HANDLER_ROLES,
    WARN_WORKING_DAYS,
    can_receive,
    days_left,
    is_handler,
    require_applicant,
)
from pengcheng.catalog.models import ItemStatus, LimitUnit, ServiceItem
from pengcheng.core.actors import MaybeActor
from pengcheng.core.errors import AccessDenied, NotFound
from pengcheng.core.models import Department, Role, User
from pengcheng.core.permissions import division_filter, require_platform_role, require_role, scope_of
from pengcheng.workdays.selectors import add_working_days

_RELATED = ("item", "item_version", "applicant", "company", "handling_department", "intake_department", "assignee")


def my_applications(user: User) -> QuerySet[Application]:
    return Application.objects.filter(applicant=user).select_related(*_RELATED).order_by("-created_at")


def for_applicant(actor: MaybeActor, number: str) -> Application:
    application = Application.objects.select_related(*_RELATED, "division").filter(number=number).first()
    if application is None or not isinstance(actor, User) or application.applicant_id != actor.pk:
        raise NotFound("No such application.")
    require_applicant(actor, application, "view")
    return application


def for_staff(actor: MaybeActor, number: str) -> Application:
    """An application a member of staff may see: in their queue, or received at their hall."""
    require_role(actor, *HANDLER_ROLES, action="applications.view")
    application = Application.objects.select_related(*_RELATED, "division").filter(number=number).first()
    if application is None or application.state == State.DRAFT:
        raise NotFound("No such application.")
    if not (is_handler(actor, application) or can_receive(actor, application)):
        raise AccessDenied("applications.view", target=application, reason="outside the clerk's departments")
    return application


def timeline(application: Application) -> QuerySet[Event]:
    return application.events.select_related("department").order_by("at", "pk")


def current_attachments(application: Application) -> list[Any]:
    return list(application.attachments.filter(superseded=False).select_related("material"))


QUEUE_VIEWS = ("open", "mine", "overdue", "correction", "closed", "all")
QUEUE_SORTS: dict[str, tuple[Any, ...]] = {
    "deadline": (F("deadline").asc(nulls_last=True), "pk"),
    "-deadline": (F("deadline").desc(nulls_last=True), "-pk"),
    "submitted": ("submitted_at", "pk"),
    "-submitted": ("-submitted_at", "-pk"),
}


@dataclass(frozen=True)
class QueueFilters:
    view: str = "open"
    state: str = ""
    q: str = ""
    due: str = ""  # "soon" or ""
    sort: str = "deadline"


def work_queue(actor: MaybeActor, filters: QueueFilters, today: dt.date | None = None) -> QuerySet[Application]:
    """Applications the actor's departments handle (within the divisions they serve), plus those
    submitted at the actor's service hall and waiting to be received. Page over its ids and load the
    page with ``queue_page``."""
    scope = require_role(actor, *HANDLER_ROLES, action="applications.queue")
    today = today or timezone.localdate()
    queryset = Application.objects.exclude(state=State.DRAFT)
    if not scope.platform_wide:
        departments = scope.departments_with(*HANDLER_ROLES)
        handled = Q(handling_department_id__in=departments) & division_filter(actor, "division__code")
        received = Q(intake_department_id__in=departments, state=State.SUBMITTED)
        queryset = queryset.filter(handled | received)
    view = filters.view if filters.view in QUEUE_VIEWS else "open"
    if view == "open":
        queryset = queryset.filter(state__in=OPEN_STATES)
    elif view == "mine":
        queryset = queryset.filter(state__in=OPEN_STATES, assignee=actor if isinstance(actor, User) else None)
    elif view == "overdue":
        queryset = queryset.filter(state__in=OPEN_STATES, deadline__lt=today)
    elif view == "correction":
        queryset = queryset.filter(state=State.CORRECTION)
    elif view == "closed":
        queryset = queryset.filter(state__in=[*DECIDED_STATES, State.WITHDRAWN])
    if filters.state in State.values:
        queryset = queryset.filter(state=filters.state)
    if filters.due == "soon":
        queryset = queryset.filter(deadline__gte=today, deadline__lte=add_working_days(today, WARN_WORKING_DAYS))
    text = filters.q.strip()[:60]
    if text:
        queryset = queryset.filter(
            Q(number=text.upper())
            | Q(item_version__name__contains=text)
            | Q(applicant__full_name=text)
            | Q(company__name__contains=text)
        )
    order = QUEUE_SORTS.get(filters.sort, QUEUE_SORTS["deadline"])
    return queryset.order_by(*order)


# What a queue row shows; the wide columns (form data, the item's form and guide) stay in the table.
_ROW_FIELDS = (
    "number", "state", "deadline", "limit_unit", "days_left_when_paused", "submitted_at", "division_id",
    "item_version__name", "applicant__full_name", "applicant__username", "company__name",
    "handling_department__name", "handling_department__short_name",
    "intake_department__name", "intake_department__short_name",
    "assignee__full_name", "assignee__username",
)  # fmt: skip


def queue_page(ids: list[int]) -> list[Application]:
    """The rows of one page, in the order of ``ids``, with only what the queue shows. Paging over the
    narrow ``work_queue`` query first keeps the sort cheap at 100,000 open applications."""
    found = (
        Application.objects.filter(pk__in=ids)
        .select_related("item_version", "applicant", "company", "handling_department", "intake_department", "assignee")
        .only(*_ROW_FIELDS)
        .in_bulk()
    )
    return [found[pk] for pk in ids if pk in found]


def citywide_lookup(actor: MaybeActor, number: str) -> Application | None:
    """At a service hall counter: a submitted application from anywhere in the city, by number, that
    this hall may receive (全市域通办)."""
    require_role(actor, *HANDLER_ROLES, action="applications.lookup")
    application = Application.objects.select_related(*_RELATED).filter(number=number.strip().upper()).first()
    if application is None or application.state != State.SUBMITTED or not can_receive(actor, application):
        return None
    return application


@dataclass
class QueueRow:
    application: Application
    days_left: int | None
    status: str  # "overdue", "due-soon", "paused", "" — also the row's CSS class

    @property
    def overdue_by(self) -> int:
        return -(self.days_left or 0)


def queue_rows(applications: list[Application], today: dt.date | None = None) -> list[QueueRow]:
    today = today or timezone.localdate()
    rows = []
    for application in applications:
        left: int | None = None
        status = ""
        if application.state == State.CORRECTION:
            left, status = application.days_left_when_paused, "paused"
        elif application.deadline is not None and application.state in OPEN_STATES:
            left = days_left(application.deadline, application.limit_unit or LimitUnit.WORKING_DAYS, today)
            status = "overdue" if left < 0 else ("due-soon" if left <= WARN_WORKING_DAYS else "")
        rows.append(QueueRow(application, left, status))
    return rows


def supervisor_overdue(actor: MaybeActor, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Overdue work per handling department (and per assignee) for supervisors."""
    scope = require_role(actor, Role.SUPERVISOR, action="applications.overdue")
    today = today or timezone.localdate()
    queryset = Application.objects.filter(state__in=OPEN_STATES, deadline__lt=today)
    if not scope.platform_wide:
        queryset = queryset.filter(handling_department_id__in=scope.departments_with(Role.SUPERVISOR))
    rows = (
        queryset.values("handling_department__code", "handling_department__name", "assignee__full_name")
        .annotate(count=Count("pk"))
        .order_by("-count")[:200]
    )
    return [dict(row) for row in rows]


def metrics(actor: MaybeActor) -> dict[str, Any]:
    """Operator figures: items online, applications by state, on-time rate, handling time by department."""
    require_platform_role(actor, action="applications.metrics")
    by_state = dict(Application.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    decided = Application.objects.filter(decided_at__isnull=False, on_time__isnull=False)
    on_time = decided.filter(on_time=True).count()
    decided_count = decided.count()
    today = timezone.localdate()
    departments = (
        Application.objects.filter(handling_department__isnull=False)
        .values("handling_department_id")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(state__in=OPEN_STATES)),
            overdue=Count("pk", filter=Q(state__in=OPEN_STATES, deadline__lt=today)),
            decided=Count("pk", filter=Q(on_time__isnull=False)),
            on_time=Count("pk", filter=Q(on_time=True)),
            avg_days=Avg("handling_working_days"),
        )
        .order_by("-total")[:100]
    )
    names = dict(
        Department.objects.filter(pk__in=[d["handling_department_id"] for d in departments]).values_list("pk", "name")
    )
    rows = []
    for row in departments:
        rows.append(
            {
                **row,
                "name": names.get(row["handling_department_id"], "?"),
                "on_time_rate": (row["on_time"] / row["decided"] * 100) if row["decided"] else None,
            }
        )
    return {
        "items_online": ServiceItem.objects.filter(status=ItemStatus.ONLINE).count(),
        "items_total": ServiceItem.objects.count(),
        "by_state": [(State(s).label, s, by_state.get(s, 0)) for s in State.values],
        "total": sum(by_state.values()),
        "decided": decided_count,
        "on_time_rate": (on_time / decided_count * 100) if decided_count else None,
        "avg_days": decided.aggregate(avg=Avg("handling_working_days"))["avg"],
        "departments": rows,
        "submitted_today": Application.objects.filter(submitted_at__date=today).count(),
        "events_today": Event.objects.filter(at__date=today).exclude(action=Action.CREATE).count(),
    }


def staff_scope_summary(actor: MaybeActor) -> list[Department]:
    scope = scope_of(actor)
    return list(Department.objects.filter(pk__in=scope.departments_with(*HANDLER_ROLES)).order_by("code"))
