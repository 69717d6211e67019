"""Queueing background jobs.

Jobs are queued only when the surrounding transaction commits, so a request that rolls back queues
nothing, and a job never runs before the data it needs is visible.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from pengcheng.jobs.registry import declared_schedules


def _dotted(func: Callable[..., Any] | str) -> str:
    if isinstance(func, str):
        return func
    return f"{func.__module__}.{func.__qualname__}"


def enqueue(func: Callable[..., Any] | str, *args: Any, group: str | None = None, **kwargs: Any) -> None:
    """Queue ``func(*args, **kwargs)`` to run in the worker once the current transaction commits."""
    path = _dotted(func)
    options: dict[str, Any] = {}
    if group:
        options["group"] = group

    def _send() -> None:
        async_task(path, *args, **kwargs, **({"q_options": options} if options else {}))

    transaction.on_commit(_send)


def sync_schedules() -> dict[str, int]:
    """Write the declared schedules into django-q2's table; drop ones no longer declared."""
    declared = declared_schedules()
    created = updated = 0
    with transaction.atomic():
        for job in declared:
            schedule = Schedule.objects.filter(name=job.name).first()
            if schedule is None:
                Schedule.objects.create(
                    name=job.name,
                    func=job.func,
                    schedule_type=Schedule.CRON,
                    cron=job.cron,
                    next_run=timezone.now(),
                    repeats=-1,
                )
                created += 1
            elif schedule.func != job.func or schedule.cron != job.cron:
                schedule.func = job.func
                schedule.cron = job.cron
                schedule.schedule_type = Schedule.CRON
                schedule.save()
                updated += 1
        # Only names in the platform's namespace are pruned; operators may add their own schedules.
        names = {job.name for job in declared}
        stale = Schedule.objects.filter(name__contains=".").exclude(name__in=names)
        removed = stale.count()
        stale.delete()
    return {"created": created, "updated": updated, "removed": removed}
