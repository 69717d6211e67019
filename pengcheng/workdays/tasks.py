"""Scheduled calendar jobs."""

from __future__ import annotations

import logging

from pengcheng.jobs.registry import ScheduledJob

logger = logging.getLogger(__name__)


def warn_missing_years() -> list[str]:
    """Log a warning while this year's or next year's arrangement is missing (shown in the console too)."""
    from pengcheng.workdays.selectors import coverage_warnings

    warnings = coverage_warnings()
    for warning in warnings:
        logger.warning(warning)
    return warnings


SCHEDULES = [
    ScheduledJob(
        name="workdays.warn_missing_years",
        func="pengcheng.workdays.tasks.warn_missing_years",
        cron="0 8 * * 1",
        description="Warn operators weekly while a holiday arrangement is missing.",
    ),
]
