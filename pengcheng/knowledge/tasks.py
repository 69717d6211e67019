"""Scheduled knowledge-base jobs: articles past their validity expire every night."""

from __future__ import annotations

import logging

from pengcheng.jobs.registry import ScheduledJob

logger = logging.getLogger(__name__)


def expire_articles() -> int:
    from pengcheng.knowledge.services import expire_past_validity

    count = expire_past_validity()
    if count:
        logger.info("knowledge: %s articles expired", count)
    return count


SCHEDULES = [
    ScheduledJob(
        name="knowledge.expire_articles",
        func="pengcheng.knowledge.tasks.expire_articles",
        cron="5 0 * * *",
        description="Expire knowledge articles whose validity has ended (search already hides them).",
    ),
]
