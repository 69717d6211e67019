"""Reading hot topics, reports and the reply review queue, within the reader's scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from pengcheng.core.actors import MaybeActor
from pengcheng.core.errors import AccessDenied, NotFound
from pengcheng.core.models import Division, DivisionLevel
from pengcheng.core.permissions import scope_of
from pengcheng.hotline import access, stats
from pengcheng.insights.models import HotTopic, ReplyAssessment, Report, ReviewOutcome


def require_reader(actor: MaybeActor) -> None:
    """Supervisors (of a district or the city), the 12345 centre and the platform; like the overview."""
    try:
        stats.require_overview(actor)
    except AccessDenied as exc:
        raise AccessDenied("insights.view", reason="supervisors and the 12345 centre only") from exc


def district_prefixes(actor: MaybeActor) -> list[str] | None:
    """The district codes an actor may see, or None for all (city-level staff, the centre, the platform).
    The same rule as the hotline overview."""
    scope = access.hotline_scope(actor)
    if scope.platform or scope.centre_roles:
        return None
    prefixes = scope_of(actor).division_prefixes
    if any(len(prefix) <= 4 for prefix in prefixes):
        return None
    return sorted({prefix[:6] for prefix in prefixes})


def _district_q(prefixes: list[str] | None, field: str) -> Q:
    if prefixes is None:
        return Q()
    query = Q(pk__in=[])
    for prefix in prefixes:
        query |= Q(**{f"{field}__startswith": prefix})
    return query


def require_citywide(actor: MaybeActor, action: str) -> None:
    """Reports cover the whole city: city-level supervisors, the 12345 centre and the platform."""
    require_reader(actor)
    if district_prefixes(actor) is not None:
        raise AccessDenied(f"insights.{action}", reason="city-level supervisors and the 12345 centre only")


def latest_day(window_days: int = 1) -> dt.date | None:
    return HotTopic.objects.filter(window_days=window_days).order_by("-day").values_list("day", flat=True).first()


def hot_topics(actor: MaybeActor, day: dt.date | None = None, window_days: int = 1) -> QuerySet[HotTopic]:
    """热点榜: a day's ranked topics (the latest computed day by default), in the actor's districts."""
    require_reader(actor)
    day = day or latest_day(window_days)
    if day is None:
        return HotTopic.objects.none()
    return HotTopic.objects.filter(
        _district_q(district_prefixes(actor), "district_code"), day=day, window_days=window_days
    ).order_by("rank")


def topic_days(limit: int = 30) -> list[dt.date]:
    return list(HotTopic.objects.order_by("-day").values_list("day", flat=True).distinct()[:limit])


def can_order_reports(actor: MaybeActor) -> bool:
    try:
        require_citywide(actor, "reports")
    except AccessDenied:
        return False
    return True


def reports(actor: MaybeActor) -> QuerySet[Report]:
    """Reports hold city-wide aggregates: every supervisor may read them; ordering one is city-level."""
    require_reader(actor)
    return Report.objects.select_related("requested_by").all()


def report_list(actor: MaybeActor) -> QuerySet[Report]:
    """The report list: one line per report (its other-language versions come with it)."""
    return reports(actor).filter(translation_of__isnull=True).prefetch_related("translations")


def versions(report: Report) -> dict[str, Report]:
    """A listed report in each language it has been generated in (the newest of each)."""
    found = {report.language: report}
    for version in sorted(report.translations.all(), key=lambda r: r.pk):
        found[version.language] = version
    return found


def get_report(actor: MaybeActor, pk: int) -> Report:
    require_reader(actor)
    report = Report.objects.filter(pk=pk).first()
    if report is None:
        raise NotFound(_("No such report."))
    return report


def review_queue(actor: MaybeActor, *, show: str = "flagged") -> QuerySet[ReplyAssessment]:
    """Weak replies waiting for a supervisor (``show="flagged"``), reviewed ones, or every scored reply."""
    require_reader(actor)
    rows = ReplyAssessment.objects.filter(_district_q(district_prefixes(actor), "ticket__district_code"))
    if show == "flagged":
        rows = rows.filter(flagged=True, outcome=ReviewOutcome.PENDING)
    elif show == "reviewed":
        rows = rows.exclude(outcome=ReviewOutcome.PENDING)
    return rows.select_related("ticket", "ticket__lead_department").order_by("score", "id")


def get_assessment(actor: MaybeActor, pk: int) -> ReplyAssessment:
    found = review_queue(actor, show="all").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such reply assessment."))
    return found


def district_names(codes: list[str]) -> dict[str, str]:
    return dict(
        Division.objects.filter(pk__in=[c for c in codes if c], level=DivisionLevel.DISTRICT).values_list("pk", "name")
    )
