"""Scheduled jobs declared by each app.

Each app lists its recurring jobs in ``<app>/tasks.py`` as ``SCHEDULES = [ScheduledJob(...)]``; the
worker writes them into django-q2's schedule table when it starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from django.conf import settings


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    func: str  # dotted path of a function that takes no arguments
    cron: str  # five-field cron expression, in the server's TIME_ZONE
    description: str = ""


def declared_schedules() -> list[ScheduledJob]:
    jobs: list[ScheduledJob] = []
    for app in settings.PENGCHENG_APPS:
        try:
            module = import_module(f"{app}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.tasks":
                raise
            continue
        jobs.extend(getattr(module, "SCHEDULES", []))
    names = [job.name for job in jobs]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"scheduled job names must be unique: {sorted(duplicates)}")
    return jobs
