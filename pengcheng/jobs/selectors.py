"""Job status for the operator console."""

from __future__ import annotations

from typing import Any

from django_q.models import Failure, OrmQ, Schedule, Success

from pengcheng.core.actors import MaybeActor
from pengcheng.core.permissions import require_platform_role
from pengcheng.jobs.registry import declared_schedules


def job_overview(actor: MaybeActor) -> dict[str, Any]:
    require_platform_role(actor, action="jobs.view")
    descriptions = {job.name: job.description for job in declared_schedules()}
    schedules = [
        {"schedule": s, "description": descriptions.get(s.name or "", "")} for s in Schedule.objects.order_by("name")
    ]
    return {
        "queued": OrmQ.objects.count(),
        "schedules": schedules,
        "recent_failures": list(Failure.objects.order_by("-stopped")[:20]),
        "recent_successes": list(Success.objects.order_by("-stopped")[:20]),
    }
