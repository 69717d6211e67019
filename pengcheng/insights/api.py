"""Insights JSON API at /api/v1/insights/: hot topics, reports and the reply review queue. The same
services and selectors serve the console pages."""

import datetime as dt
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Router, Schema, Status

from pengcheng.api import actor_of, require_scope
from pengcheng.insights import selectors, services
from pengcheng.insights.models import HotTopic, ReplyAssessment, Report, ReportKind, ReportStatus

router = Router(tags=["insights"])


class TopicOut(Schema):
    day: dt.date
    window_days: int
    rank: int
    label: str
    terms: list[str]
    district_code: str
    place: str
    count: int
    previous: int
    growth: float
    callers: int
    votes: int
    hotness: float
    spiking: bool
    representatives: list[dict[str, Any]]
    first_at: dt.datetime | None
    last_at: dt.datetime | None


@router.get("/hot-topics", response=list[TopicOut], summary="A day's top hot topics (the latest day by default)")
def hot_topics(request: HttpRequest, day: dt.date | None = None, window_days: int = 1) -> list[HotTopic]:
    require_scope(request, "insights.read")
    return list(selectors.hot_topics(actor_of(request), day, window_days))


class ComputeIn(Schema):
    day: dt.date | None = None
    window_days: int = 1


@router.post("/hot-topics/compute", response=list[TopicOut], summary="Compute a day's hot topics now")
def compute(request: HttpRequest, payload: ComputeIn) -> list[HotTopic]:
    require_scope(request, "insights.write")
    return services.compute_hot_topics(actor_of(request), payload.day, window_days=payload.window_days)


class ReportOut(Schema):
    id: int
    kind: str
    start: dt.date
    end: dt.date
    title: str
    language: str
    translation_of_id: int | None
    status: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    summary: dict[str, Any]
    html_url: str | None
    pdf_url: str | None

    @staticmethod
    def resolve_html_url(obj: Report) -> str | None:
        return f"/api/v1/insights/reports/{obj.pk}/html" if obj.html_path else None

    @staticmethod
    def resolve_pdf_url(obj: Report) -> str | None:
        return f"/api/v1/insights/reports/{obj.pk}/pdf" if obj.pdf_path else None


@router.get("/reports", response=list[ReportOut], summary="Generated reports, newest first")
def reports(request: HttpRequest, limit: int = 50) -> list[Report]:
    require_scope(request, "insights.read")
    return list(selectors.reports(actor_of(request))[: max(1, min(limit, 500))])


class ReportIn(Schema):
    start: dt.date
    end: dt.date
    kind: str = ReportKind.CUSTOM
    language: str | None = None  # the request's language (Accept-Language) by default


@router.post("/reports", response={202: ReportOut}, summary="Order a report for a date range")
def order_report(request: HttpRequest, payload: ReportIn) -> Status[Report]:
    require_scope(request, "insights.write")
    return Status(
        202,
        services.request_report(actor_of(request), payload.start, payload.end, payload.kind, language=payload.language),
    )


class LanguageIn(Schema):
    language: str


@router.post(
    "/reports/{pk}/versions",
    response={200: ReportOut, 202: ReportOut},
    summary="The same report in another language: the version there (200) or one ordered now (202)",
)
def report_version(request: HttpRequest, pk: int, payload: LanguageIn) -> Status[Report]:
    require_scope(request, "insights.write")
    actor = actor_of(request)
    version = services.translate_report(actor, selectors.get_report(actor, pk), payload.language)
    return Status(200 if version.status == ReportStatus.READY else 202, version)


@router.get("/reports/{pk}/{fmt}", response={200: None}, summary="Download a report as html or pdf")
def report_file(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    require_scope(request, "insights.read")
    actor = actor_of(request)
    report = selectors.get_report(actor, pk)
    path = services.report_file(actor, report, fmt)
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"report-{report.pk}-{report.language}.{fmt}")


class AssessmentOut(Schema):
    id: int
    ticket: str
    title: str
    department: str | None
    relevance: float
    completeness: float
    timeliness: float
    score: float
    flagged: bool
    reasons: list[str]
    outcome: str
    assessed_at: dt.datetime

    @staticmethod
    def resolve_ticket(obj: ReplyAssessment) -> str:
        return obj.ticket.number

    @staticmethod
    def resolve_title(obj: ReplyAssessment) -> str:
        return obj.ticket.title

    @staticmethod
    def resolve_department(obj: ReplyAssessment) -> str | None:
        return obj.ticket.lead_department.code if obj.ticket.lead_department else None


@router.get("/replies", response=list[AssessmentOut], summary="Scored replies: flagged (default), reviewed or all")
def replies(request: HttpRequest, show: str = "flagged", limit: int = 100) -> list[ReplyAssessment]:
    require_scope(request, "insights.read")
    return list(selectors.review_queue(actor_of(request), show=show)[: max(1, min(limit, 1000))])


class ReviewIn(Schema):
    outcome: str
    note: str = ""


@router.post("/replies/{pk}/review", response=AssessmentOut, summary="Accept a flagged reply or send it back")
def review(request: HttpRequest, pk: int, payload: ReviewIn) -> ReplyAssessment:
    require_scope(request, "insights.write")
    actor = actor_of(request)
    return services.review_reply(actor, selectors.get_assessment(actor, pk), payload.outcome, payload.note)
