"""Housekeeping: expired signing keys and expired tokens are removed nightly."""

from __future__ import annotations

from oauth2_provider.models import clear_expired

from pengcheng.identity import keys
from pengcheng.jobs.registry import ScheduledJob


def prune() -> str:
    removed = keys.prune()
    clear_expired()
    return f"{removed} expired signing key(s) deleted; expired tokens cleared"


SCHEDULES = [ScheduledJob(name="identity.prune", func="pengcheng.identity.tasks.prune", cron="17 3 * * *")]
