"""Supervisor figures: volumes, on-time 签收 and 办结 rates, satisfaction and 退单 rates, by
department, district, category, type and day.

A year of Shenzhen is 11 million tickets, so the pages never scan tickets. ``refresh`` (a job every
few minutes) rebuilds two small daily tables for the days that changed since its last run:

- ``DailyTicketStat``: tickets by the day they were received (a cohort), counted by where they stand
  now (accepted on time, closed on time, rated …);
- ``DailyDispatchStat``: dispatches and refusals by the day they happened and the department that
  received or refused them (a refusal counts against routing quality).

The overview sums a few thousand rows of these tables for any date range.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.core.actors import MaybeActor
from pengcheng.core.errors import AccessDenied, ValidationFailed
from pengcheng.core.models import Department, Division, DivisionLevel, Role
from pengcheng.core.permissions import scope_of
from pengcheng.hotline import access
from pengcheng.hotline.models import (
    Category,
    DailyDispatchStat,
    DailyTicketStat,
    EventKind,
    Rating,
    RequestType,
    StatsState,
    Status,
    Ticket,
    TicketEvent,
)

# A transaction that began before the last refresh may commit after it: look back this far.
MARGIN = dt.timedelta(minutes=10)
DAYS_PER_BATCH = 7
MAX_RANGE_DAYS = 366
DIMENSIONS = ("department", "district", "category", "type", "day")
_DIMENSION_FIELD = {
    "department": "department_id",
    "district": "district_code",
    "category": "category_top_id",
    "type": "request_type",
    "day": "day",
}
COUNTERS = (
    "received",
    "dispatched",
    "accepted",
    "accepted_on_time",
    "closed",
    "closed_timed",
    "closed_on_time",
    "rated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "reopened",
)
FINISHED = [Status.CLOSED, Status.RATED]


def _batches(days: list[dt.date], size: int = DAYS_PER_BATCH) -> Iterator[list[dt.date]]:
    for index in range(0, len(days), size):
        yield days[index : index + size]


def _ticket_rows(days: list[dt.date]) -> list[DailyTicketStat]:
    grouped = (
        Ticket.objects.filter(received_on__in=days)
        .values("received_on", "lead_department_id", "district_code", "category_top_id", "request_type")
        .annotate(
            received=Count("id"),
            dispatched=Count("id", filter=Q(dispatch_count__gt=0)),
            accepted=Count("id", filter=Q(accepted_on_time__isnull=False)),
            accepted_on_time=Count("id", filter=Q(accepted_on_time=True)),
            closed=Count("id", filter=Q(status__in=FINISHED)),
            closed_timed=Count("id", filter=Q(status__in=FINISHED, closed_on_time__isnull=False)),
            closed_on_time=Count("id", filter=Q(status__in=FINISHED, closed_on_time=True)),
            rated=Count("id", filter=Q(status=Status.RATED)),
            satisfied=Count("id", filter=Q(status=Status.RATED, rating=Rating.SATISFIED)),
            basically_satisfied=Count("id", filter=Q(status=Status.RATED, rating=Rating.BASICALLY_SATISFIED)),
            unsatisfied=Count("id", filter=Q(status=Status.RATED, rating=Rating.UNSATISFIED)),
            reopened=Count("id", filter=Q(reopen_count__gt=0)),
        )
        .order_by()
    )
    return [
        DailyTicketStat(
            day=row["received_on"],
            department_id=row["lead_department_id"],
            district_code=row["district_code"],
            category_top_id=row["category_top_id"],
            request_type=row["request_type"],
            **{name: row[name] for name in COUNTERS},
        )
        for row in cast(Iterable[dict[str, Any]], grouped)
    ]


def _dispatch_rows(days: list[dt.date]) -> list[DailyDispatchStat]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(min(days), dt.time(), tz)
    end = dt.datetime.combine(max(days) + dt.timedelta(days=1), dt.time(), tz)
    grouped = (
        TicketEvent.objects.filter(
            at__gte=start,
            at__lt=end,
            kind__in=[EventKind.DISPATCHED, EventKind.TRANSFERRED, EventKind.REFUSED],
            department_id__isnull=False,
        )
        .annotate(day=TruncDate("at", tzinfo=tz))
        .values("day", "department_id", "ticket__district_code", "ticket__category_top_id", "ticket__request_type")
        .annotate(
            dispatched=Count("id", filter=Q(kind__in=[EventKind.DISPATCHED, EventKind.TRANSFERRED])),
            refused=Count("id", filter=Q(kind=EventKind.REFUSED)),
        )
        .order_by()
    )
    wanted = set(days)
    return [
        DailyDispatchStat(
            day=row["day"],
            department_id=row["department_id"],
            district_code=row["ticket__district_code"],
            category_top_id=row["ticket__category_top_id"],
            request_type=row["ticket__request_type"],
            dispatched=row["dispatched"],
            refused=row["refused"],
        )
        for row in grouped
        if row["day"] in wanted
    ]


def rebuild_days(days: Iterable[dt.date], *, progress: Any = None) -> int:
    """Recompute both tables for ``days``; returns the number of days rebuilt."""
    ordered = sorted(set(days))
    for batch in _batches(ordered):
        with transaction.atomic():
            DailyTicketStat.objects.filter(day__in=batch).delete()
            DailyTicketStat.objects.bulk_create(_ticket_rows(batch), batch_size=2000)
            DailyDispatchStat.objects.filter(day__in=batch).delete()
            DailyDispatchStat.objects.bulk_create(_dispatch_rows(batch), batch_size=2000)
        if progress is not None:
            progress.update(len(batch))
    return len(ordered)


def refresh(*, full: bool = False, progress: Any = None) -> dict[str, Any]:
    """Rebuild the days touched since the last refresh (every day with ``full``)."""
    started = timezone.now()
    state, _created = StatsState.objects.get_or_create(pk=1)
    since = None if full or state.refreshed_at is None else state.refreshed_at - MARGIN
    if since is None:
        days = set(Ticket.objects.order_by().values_list("received_on", flat=True).distinct())
    else:
        days = set(
            Ticket.objects.filter(updated_at__gte=since).order_by().values_list("received_on", flat=True).distinct()
        )
        tz = timezone.get_current_timezone()
        days |= {
            timezone.localtime(moment, tz).date()
            for moment in TicketEvent.objects.filter(
                at__gte=since, kind__in=[EventKind.DISPATCHED, EventKind.TRANSFERRED, EventKind.REFUSED]
            ).values_list("at", flat=True)
        }
    if progress is not None:
        progress.reset(total=len(days))
    rebuilt = rebuild_days(days, progress=progress)
    StatsState.objects.filter(pk=1).update(refreshed_at=started)
    return {"days": rebuilt, "since": since, "at": started}


# Reading --------------------------------------------------------------------------------------------


@dataclass
class Figures:
    key: Any
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    def get(self, name: str) -> int:
        return self.counts.get(name, 0)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 2) if whole else None

    @property
    def accept_rate(self) -> float | None:
        return self._rate(self.get("accepted_on_time"), self.get("accepted"))

    @property
    def close_rate(self) -> float | None:
        # Of the closed tickets whose on-time outcome is known (imported history may not say).
        return self._rate(self.get("closed_on_time"), self.get("closed_timed"))

    @property
    def satisfaction(self) -> float | None:
        return self._rate(self.get("satisfied") + self.get("basically_satisfied"), self.get("rated"))

    @property
    def refusal_rate(self) -> float | None:
        return self._rate(self.get("refused"), self.get("dispatches"))


@dataclass
class Overview:
    start: dt.date
    end: dt.date
    dimension: str
    rows: list[Figures]
    total: Figures
    refreshed_at: dt.datetime | None


def require_overview(actor: MaybeActor) -> None:
    scope = access.hotline_scope(actor)
    if not (scope.platform or scope.centre_roles or Role.SUPERVISOR in scope_of(actor).roles):
        raise AccessDenied("hotline.stats", reason="supervisors and the 12345 centre only")


def _scope_filter(actor: MaybeActor) -> Q:
    """District supervisors see their districts; city-level staff and the 12345 centre see all."""
    scope = access.hotline_scope(actor)
    if scope.platform or scope.centre_roles:
        return Q()
    prefixes = scope_of(actor).division_prefixes
    if any(len(prefix) <= 4 for prefix in prefixes):
        return Q()
    query = Q(pk__in=[])
    for prefix in prefixes:
        query |= Q(district_code__startswith=prefix[:6])
    return query


def _labels(dimension: str, keys: Iterable[Any]) -> dict[Any, str]:
    keys = [key for key in keys if key not in (None, "")]
    if dimension == "department":
        return dict(Department.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "district":
        return dict(Division.objects.filter(pk__in=keys, level=DivisionLevel.DISTRICT).values_list("pk", "name"))
    if dimension == "category":
        return dict(Category.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "type":
        return {value: str(label) for value, label in RequestType.choices}
    return {key: key.isoformat() for key in keys}


def overview(actor: MaybeActor, start: dt.date, end: dt.date, dimension: str = "department") -> Overview:
    require_overview(actor)
    if dimension not in DIMENSIONS:
        raise ValidationFailed({"by": [_("Choose department, district, category, type or day.")]})
    if end < start:
        raise ValidationFailed({"end": [_("The end date is before the start date.")]})
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationFailed({"start": [_("Choose at most a year.")]})
    key = _DIMENSION_FIELD[dimension]
    scope = _scope_filter(actor)
    ticket_rows = (
        DailyTicketStat.objects.filter(scope, day__gte=start, day__lte=end)
        .values(key)
        .annotate(**{name: Sum(name) for name in COUNTERS})
        .order_by()
    )
    dispatch_rows = (
        DailyDispatchStat.objects.filter(scope, day__gte=start, day__lte=end)
        .values(key)
        .annotate(dispatches=Sum("dispatched"), refused=Sum("refused"))
        .order_by()
    )
    figures: dict[Any, Figures] = {}
    for row in ticket_rows:
        figures.setdefault(row[key], Figures(row[key], "")).counts.update({n: row[n] or 0 for n in COUNTERS})
    for row in dispatch_rows:
        entry = figures.setdefault(row[key], Figures(row[key], ""))
        entry.counts["dispatches"] = row["dispatches"] or 0
        entry.counts["refused"] = row["refused"] or 0
    labels = _labels(dimension, figures.keys())
    unknown = {
        "department": _("12345 centre (not dispatched)"),
        "district": _("Not located"),
        "category": _("Not classified"),
    }.get(dimension, "—")
    for entry in figures.values():
        entry.label = labels.get(entry.key, unknown) if entry.key not in (None, "") else unknown
    total = Figures("total", _("Total"))
    for entry in figures.values():
        for name, value in entry.counts.items():
            total.counts[name] = total.counts.get(name, 0) + value
    if dimension == "day":
        rows = sorted(figures.values(), key=lambda f: f.key)
    else:
        rows = sorted(figures.values(), key=lambda f: (-f.get("received"), f.label))
    state = StatsState.objects.filter(pk=1).first()
    return Overview(start, end, dimension, rows, total, state.refreshed_at if state else None)


def breaches(actor: MaybeActor) -> Any:
    """Open tickets past their 签收 or 办理 deadline, most overdue first (the SLA-breach list)."""
    require_overview(actor)
    now = timezone.now()
    scope = _scope_filter(actor)
    late = Q(status=Status.DISPATCHED, accept_due__lt=now) | Q(
        status__in=[Status.DISPATCHED, Status.HANDLING], handle_due__lt=now
    )
    return (
        Ticket.objects.filter(scope)
        .filter(late)
        .select_related("lead_department", "category")
        .order_by("handle_due", "accept_due")
    )
