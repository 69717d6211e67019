"""Console pages: the hot-topic ranking, the report list with downloads and on-demand reports, and the
reply review queue. They call the same services and selectors as the API."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from pengcheng.core.console_views import paginate, staff_required
from pengcheng.core.errors import ValidationFailed
from pengcheng.hotline import access
from pengcheng.insights import replyquality, selectors, services
from pengcheng.insights.models import ReportKind, ReportStatus, ReviewOutcome


def _errors(request: HttpRequest, exc: ValidationFailed) -> None:
    for problems in exc.field_errors.values():
        for problem in problems:
            messages.error(request, problem)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


@staff_required
def hot_topics(request: HttpRequest) -> HttpResponse:
    can_compute = access.hotline_scope(request.user).centre_supervisor
    if request.method == "POST":
        day = _date(request.POST.get("day"))
        try:
            topics = services.compute_hot_topics(request.user, day)
        except ValidationFailed as exc:
            _errors(request, exc)
            return redirect("insights:hot-topics")
        messages.success(request, _("%(n)s hot topics computed.") % {"n": len(topics)})
        day_text = topics[0].day.isoformat() if topics else (day or "")
        return redirect(f"{request.path}?day={day_text}")
    day = _date(request.GET.get("day"))
    topics = list(selectors.hot_topics(request.user, day))
    shown = topics[0].day if topics else day or selectors.latest_day()
    return render(
        request,
        "insights/hot_topics.html",
        {
            "topics": topics,
            "day": shown,
            "days": selectors.topic_days(),
            "can_compute": can_compute,
            "yesterday": timezone.localdate() - dt.timedelta(days=1),
        },
    )


@staff_required
def reports(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        start, end = _date(request.POST.get("start")), _date(request.POST.get("end"))
        if start is None or end is None:
            messages.error(request, _("Enter both dates as YYYY-MM-DD."))
            return redirect("insights:reports")
        try:
            report = services.request_report(
                request.user, start, end, ReportKind.CUSTOM, language=translation.get_language()
            )
        except ValidationFailed as exc:
            _errors(request, exc)
            return redirect("insights:reports")
        messages.success(
            request, _("Report ordered: %(title)s. It appears below when ready.") % {"title": report.title}
        )
        return redirect("insights:reports")
    today = timezone.localdate()
    page = paginate(request, selectors.report_list(request.user))
    reading = services.report_language(translation.get_language())
    rows = []
    for report in page:
        found = selectors.versions(report)
        shown = found.get(reading, report)
        rows.append(
            {
                "report": report,
                # the title in the reader's language, whether or not that version exists yet
                "title": shown.title
                if shown.language == reading
                else services.report_title(report.kind, report.start, report.end, reading),
                "received": next((v.summary.get("received") for v in found.values() if v.summary), None),
                "versions": [
                    (code, get_language_info(code)["name_translated"], found.get(code))
                    for code, _name in settings.LANGUAGES
                ],
            }
        )
    return render(
        request,
        "insights/reports.html",
        {
            "page": page,
            "rows": rows,
            "can_order": selectors.can_order_reports(request.user),
            "default_start": today - dt.timedelta(days=30),
            "default_end": today - dt.timedelta(days=1),
        },
    )


@staff_required
def report_language(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: have a listed report in another language (generated now unless it is there already)."""
    if request.method != "POST":
        return redirect("insights:reports")
    report = selectors.get_report(request.user, pk)
    try:
        version = services.translate_report(request.user, report, request.POST.get("language", ""))
    except ValidationFailed as exc:
        _errors(request, exc)
        return redirect("insights:reports")
    name = get_language_info(version.language)["name_translated"]
    if version.status == ReportStatus.READY:
        messages.info(request, _("The %(language)s version is ready below.") % {"language": name})
    else:
        messages.success(
            request,
            _("The %(language)s version is being generated. It appears below when ready.") % {"language": name},
        )
    return redirect("insights:reports")


@staff_required
def report_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = selectors.get_report(request.user, pk)
    path = services.report_file(request.user, report, fmt)
    content_type = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
    response = FileResponse(
        path.open("rb"),
        as_attachment=fmt == "pdf",
        filename=f"12345-report-{report.pk}-{report.language}.{fmt}",
        content_type=content_type,
    )
    # a streamed file: the console decorator only passes it through
    return cast(HttpResponse, response)


SHOW = {
    "flagged": gettext_lazy("Waiting for review"),
    "reviewed": gettext_lazy("Reviewed"),
    "all": gettext_lazy("All scored replies"),
}


@staff_required
def reply_queue(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "flagged")
    if show not in SHOW:
        show = "flagged"
    return render(
        request,
        "insights/reply_queue.html",
        {
            "page": paginate(request, selectors.review_queue(request.user, show=show)),
            "show": show,
            "tabs": [(key, str(label)) for key, label in SHOW.items()],
            "reason_labels": replyquality.REASON_LABELS,
        },
    )


@staff_required
def reply_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.get_assessment(request.user, pk)
    if request.method == "POST":
        try:
            services.review_reply(
                request.user, assessment, request.POST.get("outcome", ""), request.POST.get("note", "")
            )
        except ValidationFailed as exc:
            _errors(request, exc)
            return redirect("insights:reply", pk=pk)
        messages.success(request, _("Review recorded."))
        return redirect("insights:reply-queue")
    return render(
        request,
        "insights/reply_detail.html",
        {
            "a": assessment,
            "ticket": assessment.ticket,
            "reasons": [str(replyquality.REASON_LABELS.get(r, r)) for r in assessment.reasons],
            "can_review": access.hotline_scope(request.user).centre_supervisor,
            "outcomes": [
                (ReviewOutcome.ACCEPTED, ReviewOutcome.ACCEPTED.label),
                (ReviewOutcome.RETURNED, ReviewOutcome.RETURNED.label),
            ],
        },
    )
