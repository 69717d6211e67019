"""Scheduled and queued hotline jobs: deadline warnings and escalation, the statistics refresh, the
inbound-message spool, and batch Open311 submissions."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.audit.services import record as audit
from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import Role
from pengcheng.hotline.models import EventKind, Status, Ticket, TicketEvent
from pengcheng.jobs.registry import ScheduledJob

logger = logging.getLogger(__name__)

ACCEPT_WARNING = dt.timedelta(minutes=30)
HANDLE_WARNING = dt.timedelta(hours=24)
BATCH = 500


def _warn(ticket: Ticket, stage: str, due: dt.datetime) -> None:
    from pengcheng.hotline.services import _tell_staff, department_staff

    if ticket.lead_department_id is None:
        return
    subject = _("%(number)s: %(stage)s deadline at %(due)s") % {
        "number": ticket.number,
        "stage": _("acceptance") if stage == "accept" else _("handling"),
        "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
    }
    _tell_staff(department_staff(ticket.lead_department_id), ticket, subject, ticket.title)
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.WARNED,
        actor_label="system",
        department_id=ticket.lead_department_id,
        data={"stage": stage, "due": due.isoformat()},
    )


def _escalate(ticket: Ticket, stage: str, due: dt.datetime) -> None:
    """Past a deadline: the ticket is put under supervision (督办) and supervisors are told."""
    from pengcheng.hotline.services import _tell_staff, centre_staff, department_staff

    reason = _("Overdue: the %(stage)s deadline %(due)s has passed.") % {
        "stage": _("acceptance") if stage == "accept" else _("handling"),
        "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
    }
    ticket.supervised = True
    ticket.supervised_reason = reason[:300]
    people = centre_staff([Role.SUPERVISOR])
    if ticket.lead_department_id:
        people += department_staff(ticket.lead_department_id, [Role.SUPERVISOR])
    _tell_staff(
        {u.pk: u for u in people}.values(), ticket, _("%(number)s is overdue") % {"number": ticket.number}, reason
    )
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.ESCALATED,
        actor_label="system",
        department_id=ticket.lead_department_id,
        note=reason,
        data={"stage": stage},
    )
    audit(SYSTEM, "hotline.escalated", ticket, summary=f"{ticket.number} {stage}")


def check_deadlines(now: dt.datetime | None = None) -> dict[str, int]:
    """Warn departments before a 签收 or 办理 deadline and escalate after it. Each warning and each
    escalation happens once per deadline (a flag on the ticket), so the job can run often."""
    now = now or timezone.now()
    counts = {"accept_warned": 0, "handle_warned": 0, "accept_escalated": 0, "handle_escalated": 0}
    steps: list[tuple[str, Any, str, str]] = [
        (
            "accept_escalated",
            {"status": Status.DISPATCHED, "accept_due__lt": now, "accept_escalated": False},
            "accept",
            "accept_due",
        ),
        (
            "accept_warned",
            {
                "status": Status.DISPATCHED,
                "accept_due__lt": now + ACCEPT_WARNING,
                "accept_due__gte": now,
                "accept_warned": False,
            },
            "accept",
            "accept_due",
        ),
        (
            "escalated",
            {"status__in": [Status.DISPATCHED, Status.HANDLING], "handle_due__lt": now, "escalated": False},
            "handle",
            "handle_due",
        ),
        (
            "handle_warned",
            {
                "status__in": [Status.DISPATCHED, Status.HANDLING],
                "handle_due__lt": now + HANDLE_WARNING,
                "handle_due__gte": now,
                "handle_warned": False,
            },
            "handle",
            "handle_due",
        ),
    ]
    for flag, filters, stage, due_field in steps:
        while True:
            with transaction.atomic():
                batch = list(
                    Ticket.objects.select_for_update(skip_locked=True).filter(**filters).order_by(due_field)[:BATCH]
                )
                for ticket in batch:
                    due = getattr(ticket, due_field)
                    setattr(ticket, flag, True)
                    if flag.endswith("warned"):
                        _warn(ticket, stage, due)
                        ticket.save(update_fields=[flag])
                    else:
                        _escalate(ticket, stage, due)
                        ticket.updated_at = now
                        ticket.save(update_fields=[flag, "supervised", "supervised_reason", "updated_at"])
                key = flag if flag != "escalated" else "handle_escalated"
                counts[key] += len(batch)
            if len(batch) < BATCH:
                break
    return counts


def refresh_stats() -> dict[str, Any]:
    from pengcheng.hotline.stats import refresh

    result = refresh()
    return {"days": result["days"]}


def process_open311_batches() -> int:
    """Create tickets for every waiting batch Open311 submission, 500 per transaction."""
    from pengcheng.hotline.open311 import process_submissions

    total = 0
    while True:
        taken = process_submissions(BATCH)
        total += taken
        if taken < BATCH:
            return total


def poll_inbound_spool() -> dict[str, int]:
    from pengcheng.hotline.inbound import process_spool, spool_dir

    return process_spool(spool_dir())


SCHEDULES = [
    ScheduledJob(
        name="hotline.check_deadlines",
        func="pengcheng.hotline.tasks.check_deadlines",
        cron="*/5 * * * *",
        description="Warn before 签收 and 办理 deadlines; escalate (督办) after them.",
    ),
    ScheduledJob(
        name="hotline.refresh_stats",
        func="pengcheng.hotline.tasks.refresh_stats",
        cron="*/5 * * * *",
        description="Rebuild the supervisor figures for the days that changed.",
    ),
    ScheduledJob(
        name="hotline.poll_inbound_spool",
        func="pengcheng.hotline.tasks.poll_inbound_spool",
        cron="* * * * *",
        description="Take SMS, e-mail and WeChat messages from the spool directory.",
    ),
    ScheduledJob(
        name="hotline.process_open311_batches",
        func="pengcheng.hotline.tasks.process_open311_batches",
        cron="* * * * *",
        description="Create the tickets for batch Open311 submissions (POSTs also wake it).",
    ),
]
