"""State changes of the insights app: computing the daily hot topics (and alerting on spikes),
generating reports, scoring department replies and reviewing the weak ones. Each function checks its
own permission; scheduled jobs act as the system."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from pengcheng.audit.services import record as audit
from pengcheng.core.actors import SYSTEM, MaybeActor
from pengcheng.core.errors import ValidationFailed
from pengcheng.core.models import Role, User
from pengcheng.hotline import access, deadlines
from pengcheng.hotline.models import LimitUnit, Status, Ticket
from pengcheng.insights import clustering, replyquality, selectors
from pengcheng.insights.models import HotTopic, ReplyAssessment, Report, ReportKind, ReportStatus, ReviewOutcome
from pengcheng.jobs.services import enqueue
from pengcheng.notifications.models import Channel as NotifyChannel
from pengcheng.notifications.services import notify
from pengcheng.workdays.selectors import working_days_between

logger = logging.getLogger(__name__)

TOP = 10
MAX_WINDOW_DAYS = 31
MAX_REPORT_DAYS = 366
REPORT_DIR = "insights/reports"
_VOTE_KEYS = ("votes", "点赞数")


# Hot topics -------------------------------------------------------------------------------------------


def _votes(attributes: Any) -> int:
    if not isinstance(attributes, dict):
        return 0
    total = 0
    for key in _VOTE_KEYS:
        try:
            total += max(0, int(attributes.get(key) or 0))
        except (TypeError, ValueError):
            continue
    return total


def ticket_docs(first: dt.date, last: dt.date) -> list[clustering.Doc]:
    """The tickets received from ``first`` to ``last`` (local dates) as clustering input."""
    rows = (
        Ticket.objects.filter(received_on__gte=first, received_on__lte=last)
        .order_by("id")
        .values_list(
            "id", "title", "description", "created_at", "district_code", "caller_id", "account_id", "attributes"
        )
    )
    return [
        clustering.Doc(
            key=pk,
            title=title,
            text=description,
            at=created_at,
            place=district or "",
            caller=f"c{caller}" if caller else (f"a{account}" if account else ""),
            votes=_votes(attributes),
        )
        for pk, title, description, created_at, district, caller, account, attributes in rows.iterator(chunk_size=5000)
    ]


def _supervisors() -> list[User]:
    from pengcheng.hotline.services import centre_staff

    return centre_staff([Role.SUPERVISOR])


def compute_hot_topics(
    actor: MaybeActor,
    day: dt.date | None = None,
    *,
    window_days: int = 1,
    top: int = TOP,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[HotTopic]:
    """热点计算: cluster the tickets of the window ending on ``day`` (yesterday by default), rank them by
    hotness against the window before, store the top ``top`` (and every spiking cluster), and alert the
    12345 centre's supervisors about spikes. Re-running a day replaces its topics."""
    access.require_centre_supervisor(actor, "hot_topics")
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise ValidationFailed({"window_days": [_("Choose a window of 1 to 31 days.")]})
    day = day or timezone.localdate() - dt.timedelta(days=1)
    first = day - dt.timedelta(days=window_days - 1)
    current = ticket_docs(first, day)
    previous = ticket_docs(first - dt.timedelta(days=window_days), first - dt.timedelta(days=1))
    result = clustering.find_topics(current, previous=previous, progress=progress)
    factor = settings.PENGCHENG_HOT_TOPIC_SPIKE_FACTOR
    minimum = settings.PENGCHENG_HOT_TOPIC_SPIKE_MIN
    chosen = [
        (index, cluster)
        for index, cluster in enumerate(result.clusters)
        if index < top or (cluster.growth >= factor and cluster.count >= minimum)
    ]
    places = selectors.district_names([cluster.place for _i, cluster in chosen])
    tickets = {
        t.pk: t
        for t in Ticket.objects.filter(pk__in=[current[i].key for _i, c in chosen for i in c.representatives]).only(
            "id", "title", "received_on"
        )
    }
    now = timezone.now()
    topics = []
    for rank, (_index, cluster) in enumerate(chosen, start=1):
        representatives = [tickets[current[i].key] for i in cluster.representatives if current[i].key in tickets]
        topics.append(
            HotTopic(
                day=day,
                window_days=window_days,
                rank=rank,
                label=(cluster.label or (representatives[0].title if representatives else "—"))[:200],
                terms=cluster.terms,
                district_code=cluster.place,
                place=places.get(cluster.place, ""),
                count=cluster.count,
                previous=cluster.previous,
                growth=cluster.growth,
                callers=cluster.callers,
                votes=cluster.votes,
                hotness=cluster.hotness,
                spiking=cluster.growth >= factor and cluster.count >= minimum,
                representatives=[{"id": t.pk, "number": t.number, "title": t.title} for t in representatives],
                ticket_ids=[current[i].key for i in cluster.members],
                first_at=cluster.first_at,
                last_at=cluster.last_at,
                computed_at=now,
            )
        )
    with transaction.atomic():
        # a re-run of a day alerts only about spikes not already alerted for that day
        already = set(
            HotTopic.objects.filter(day=day, window_days=window_days, alerted=True).values_list(
                "label", "district_code"
            )
        )
        HotTopic.objects.filter(day=day, window_days=window_days).delete()
        HotTopic.objects.bulk_create(topics)
        spikes = [topic for topic in topics if topic.spiking]
        for topic in spikes:
            topic.alerted = True
        if spikes:
            HotTopic.objects.filter(pk__in=[t.pk for t in spikes]).update(alerted=True)
            fresh = [t for t in spikes if (t.label, t.district_code) not in already]
            if fresh:
                _alert(fresh)
        audit(
            actor,
            "insights.hot_topics_computed",
            ("insights.HotTopic", day.isoformat()),
            summary=f"{day} window {window_days}: {len(current)} tickets, {len(result.clusters)} clusters",
            data={"spikes": [t.label for t in spikes], "seconds": round(result.seconds.get("total", 0.0), 2)},
        )
    return topics


def _alert(spikes: Iterable[HotTopic]) -> None:
    url = reverse("insights:hot-topics")
    people = _supervisors()
    for topic in spikes:
        subject = _("Hot topic spike: %(label)s") % {"label": topic.label}
        body = _(
            "%(count)s tickets on %(day)s in %(place)s, %(growth)s times the previous window (%(previous)s). "
            "For example: %(example)s"
        ) % {
            "count": topic.count,
            "day": topic.day.isoformat(),
            "place": topic.place or _("several places"),
            "growth": f"{topic.growth:.1f}",
            "previous": topic.previous,
            "example": topic.representatives[0]["title"] if topic.representatives else "—",
        }
        for person in people:
            notify(person, subject=subject, body=body, url=url, category="insights", channels=[NotifyChannel.INBOX])


# Reports ----------------------------------------------------------------------------------------------


def _check_range(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValidationFailed({"end": [_("The end date is before the start date.")]})
    if (end - start).days >= MAX_REPORT_DAYS:
        raise ValidationFailed({"start": [_("Choose at most a year.")]})


def report_language(code: str | None) -> str:
    """One of ``settings.LANGUAGES`` for a language code (``en-us`` is ``en``); the platform's default
    (zh-hans) for none or an unknown one."""
    if code:
        try:
            return translation.get_supported_language_variant(code.lower())
        except LookupError:
            pass
    return str(settings.LANGUAGE_CODE)


def report_title(kind: str, start: dt.date, end: dt.date, language: str | None = None) -> str:
    """A report's title in ``language`` (the active one by default), with the dates in its format."""
    with translation.override(language or translation.get_language()):
        first, last = formats.date_format(start), formats.date_format(end)
        if kind == ReportKind.WEEKLY:
            return _("12345 weekly report %(start)s to %(end)s") % {"start": first, "end": last}
        if kind == ReportKind.MONTHLY:
            return _("12345 monthly report %(month)s") % {"month": formats.date_format(start, "YEAR_MONTH_FORMAT")}
        return _("12345 report %(start)s to %(end)s") % {"start": first, "end": last}


def request_report(
    actor: MaybeActor,
    start: dt.date,
    end: dt.date,
    kind: str = ReportKind.CUSTOM,
    language: str | None = None,
) -> Report:
    """Order a report for a date range, in ``language`` (the orderer's current language by default);
    a job renders it (HTML and PDF) after the commit."""
    selectors.require_citywide(actor, "reports")
    _check_range(start, end)
    if kind not in ReportKind.values:
        raise ValidationFailed({"kind": [_("Choose weekly, monthly or a date range.")]})
    language = _known_language(language or translation.get_language())
    with transaction.atomic():
        report = Report.objects.create(
            kind=kind,
            start=start,
            end=end,
            language=language,
            title=report_title(kind, start, end, language),
            requested_by=actor if isinstance(actor, User) else None,
        )
        audit(actor, "insights.report_requested", report, summary=report.title)
        enqueue(generate_report, report.pk)
    return report


def _known_language(code: str) -> str:
    try:
        return translation.get_supported_language_variant(code.lower())
    except LookupError:
        raise ValidationFailed({"language": [_("Choose one of the platform's languages.")]}) from None


def translate_report(actor: MaybeActor, report: Report, language: str) -> Report:
    """The same report (kind and period) in another language: the version already there, or a new one
    ordered now. Anyone who may read the report may have it in their language: it shows nothing more
    than the original. The figures are those at the time the version is generated."""
    selectors.require_reader(actor)
    language = _known_language(language)
    original = report.translation_of or report
    if original.language == language:
        return original
    with transaction.atomic():
        version = (
            Report.objects.select_for_update()
            .filter(translation_of=original, language=language)
            .order_by("-id")
            .first()
        )
        if version is not None and version.status != ReportStatus.FAILED:
            return version
        if version is None:
            version = Report.objects.create(
                kind=original.kind,
                start=original.start,
                end=original.end,
                language=language,
                title=report_title(original.kind, original.start, original.end, language),
                translation_of=original,
                requested_by=actor if isinstance(actor, User) else None,
            )
        else:  # a failed version is generated again
            Report.objects.filter(pk=version.pk).update(status=ReportStatus.PENDING, error="", finished_at=None)
            version.refresh_from_db()
        audit(actor, "insights.report_requested", version, summary=version.title)
        enqueue(generate_report, version.pk)
    return version


def generate_report(report_id: int) -> str:
    """Job: render a report's HTML and PDF into the data directory and mark it ready (or failed)."""
    from pengcheng.insights import reports

    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return "no such report"
    folder = Path(settings.DATA_DIR) / REPORT_DIR / str(report.pk)
    try:
        built = reports.build(report.start, report.end, title=report.title, language=report.language)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.html").write_text(built.html, encoding="utf-8")
        (folder / "report.pdf").write_bytes(built.pdf)
    except Exception as exc:
        logger.exception("report %s failed", report.pk)
        Report.objects.filter(pk=report.pk).update(
            status=ReportStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        return "failed"
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(
            status=ReportStatus.READY,
            html_path=f"{REPORT_DIR}/{report.pk}/report.html",
            pdf_path=f"{REPORT_DIR}/{report.pk}/report.pdf",
            summary=built.summary,
            finished_at=timezone.now(),
            error="",
        )
        audit(SYSTEM, "insights.report_generated", report, summary=report.title)
    return "ready"


def report_file(actor: MaybeActor, report: Report, fmt: str) -> Path:
    """The stored HTML or PDF of a ready report."""
    selectors.require_reader(actor)
    relative = {"html": report.html_path, "pdf": report.pdf_path}.get(fmt, "")
    if report.status != ReportStatus.READY or not relative:
        raise ValidationFailed({"format": [_("This report is not ready.")]})
    path = (Path(settings.DATA_DIR) / relative).resolve()
    if not path.is_file() or Path(settings.DATA_DIR).resolve() not in path.parents:
        raise ValidationFailed({"format": [_("The report file is missing; generate the report again.")]})
    return path


def scheduled_report(kind: str, today: dt.date | None = None, language: str | None = None) -> Report:
    """The last full week (Monday to Sunday) or month before ``today``, generated in the job itself, in
    ``language`` (the platform's default, zh-hans, unless told); readers order another language from the
    report list."""
    language = report_language(language or settings.LANGUAGE_CODE)
    today = today or timezone.localdate()
    if kind == ReportKind.WEEKLY:
        end = today - dt.timedelta(days=today.weekday() + 1)
        start = end - dt.timedelta(days=6)
    else:
        end = today.replace(day=1) - dt.timedelta(days=1)
        start = end.replace(day=1)
    with transaction.atomic():
        report = Report.objects.create(
            kind=kind, start=start, end=end, language=language, title=report_title(kind, start, end, language)
        )
        audit(SYSTEM, "insights.report_requested", report, summary=report.title)
    generate_report(report.pk)
    report.refresh_from_db()
    return report


# Reply quality ----------------------------------------------------------------------------------------


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _request_text(ticket: Ticket) -> str:
    return f"{ticket.title}。{ticket.description}"


def _limit_workdays(ticket: Ticket, start: dt.datetime) -> int:
    if ticket.handle_due is not None:
        return max(1, working_days_between(start, ticket.handle_due))
    limit = deadlines.limit_for(ticket.request_type, ticket.category, ticket.urgency)
    return limit.handle_amount if limit.handle_unit == LimitUnit.WORKING_DAYS else 1


def score_ticket(ticket: Ticket) -> replyquality.Assessment:
    """Score a ticket's department reply: working days from dispatch (or receipt) to the reply against
    its 办理 limit."""
    start = ticket.dispatched_at or ticket.created_at
    delay = working_days_between(start, ticket.replied_at) if ticket.replied_at else None
    return replyquality.assess(
        _request_text(ticket),
        ticket.reply,
        delay_workdays=delay,
        limit_workdays=_limit_workdays(ticket, start),
        flag_below=float(settings.PENGCHENG_REPLY_FLAG_BELOW),
    )


def assess_ticket(ticket: Ticket) -> ReplyAssessment:
    """Store (or refresh) a ticket's reply assessment. A changed reply is scored afresh and, if weak,
    goes back to the review queue."""
    result = score_ticket(ticket)
    digest = _hash(ticket.reply)
    with transaction.atomic():
        existing = ReplyAssessment.objects.select_for_update().filter(ticket=ticket).first()
        fields: dict[str, Any] = {
            "reply_hash": digest,
            "relevance": result.relevance,
            "completeness": result.completeness,
            "timeliness": 1.0 if result.timeliness is None else result.timeliness,
            "score": result.score,
            "flagged": result.flagged,
            "reasons": result.reasons,
            "details": result.details,
            "assessed_at": timezone.now(),
        }
        if existing is None:
            assessment = ReplyAssessment.objects.create(ticket=ticket, **fields)
        else:
            if existing.reply_hash != digest:
                fields.update(outcome=ReviewOutcome.PENDING, reviewed_by=None, reviewed_at=None, review_note="")
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.save()
            assessment = existing
        if result.flagged:
            audit(
                SYSTEM,
                "insights.reply_flagged",
                ticket,
                summary=f"{ticket.number} {result.score:.0f}: {', '.join(result.reasons)}"[:300],
            )
    return assessment


def assess_pending(limit: int = 5000) -> dict[str, int]:
    """Job: score every reply not scored yet, or changed since it was scored."""
    tickets = (
        Ticket.objects.exclude(reply="")
        .filter(
            Q(reply_assessment__isnull=True)
            | Q(replied_at__isnull=False, reply_assessment__assessed_at__lt=F("replied_at"))
        )
        .select_related("category")
        .order_by("id")[:limit]
    )
    counts = {"scored": 0, "flagged": 0}
    for ticket in tickets:
        assessment = assess_ticket(ticket)
        counts["scored"] += 1
        counts["flagged"] += int(assessment.flagged)
    return counts


_REASON = re.compile(r"\s+")


def review_reply(actor: MaybeActor, assessment: ReplyAssessment, outcome: str, note: str = "") -> ReplyAssessment:
    """A 12345 supervisor's decision on a flagged reply: accept it, or send it back to the department
    (退回重办, through the hotline's own service, which records it on the ticket)."""
    from pengcheng.hotline import services as hotline_services

    access.require_centre_supervisor(actor, "review_reply")
    note = _REASON.sub(" ", note or "").strip()
    if len(note) > 500:
        raise ValidationFailed({"note": [_("Keep the note under 500 characters.")]})
    if outcome not in (ReviewOutcome.ACCEPTED, ReviewOutcome.RETURNED):
        raise ValidationFailed({"outcome": [_("Accept the reply or send it back.")]})
    with transaction.atomic():
        locked = ReplyAssessment.objects.select_for_update().select_related("ticket").get(pk=assessment.pk)
        if outcome == ReviewOutcome.RETURNED:
            if locked.ticket.status != Status.REPLIED:
                raise ValidationFailed(
                    {"outcome": [_("Only a reply still awaiting review can be sent back; this ticket has moved on.")]}
                )
            reasons = "、".join(str(replyquality.REASON_LABELS.get(r, r)) for r in locked.reasons)
            hotline_services.return_reply(actor, locked.ticket, note or _("Reply quality: %(r)s") % {"r": reasons})
        locked.outcome = outcome
        locked.reviewed_by = actor if isinstance(actor, User) else None
        locked.reviewed_at = timezone.now()
        locked.review_note = note
        locked.save(update_fields=["outcome", "reviewed_by", "reviewed_at", "review_note"])
        audit(actor, f"insights.reply_{outcome}", locked.ticket, summary=f"{locked.ticket.number}: {note}"[:300])
    return locked
