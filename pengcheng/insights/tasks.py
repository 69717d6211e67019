"""Scheduled insights jobs: the daily hot topics, weekly and monthly reports, and reply scoring."""

from __future__ import annotations

from typing import Any

from pengcheng.core.actors import SYSTEM
from pengcheng.insights.models import ReportKind
from pengcheng.jobs.registry import ScheduledJob


def daily_hot_topics() -> dict[str, Any]:
    from pengcheng.insights.services import compute_hot_topics

    topics = compute_hot_topics(SYSTEM)
    return {"topics": len(topics), "spikes": sum(1 for t in topics if t.spiking)}


def weekly_report() -> str:
    from pengcheng.insights.services import scheduled_report

    return scheduled_report(ReportKind.WEEKLY).status


def monthly_report() -> str:
    from pengcheng.insights.services import scheduled_report

    return scheduled_report(ReportKind.MONTHLY).status


def score_replies() -> dict[str, int]:
    from pengcheng.insights.services import assess_pending

    return assess_pending()


SCHEDULES = [
    ScheduledJob(
        name="insights.daily_hot_topics",
        func="pengcheng.insights.tasks.daily_hot_topics",
        cron="20 0 * * *",
        description="Cluster yesterday's tickets into hot topics, store the top 10, alert on spikes.",
    ),
    ScheduledJob(
        name="insights.weekly_report",
        func="pengcheng.insights.tasks.weekly_report",
        cron="0 2 * * 1",
        description="The analysis report for last week (Monday to Sunday), HTML and PDF.",
    ),
    ScheduledJob(
        name="insights.monthly_report",
        func="pengcheng.insights.tasks.monthly_report",
        cron="30 2 1 * *",
        description="The analysis report for last month, HTML and PDF.",
    ),
    ScheduledJob(
        name="insights.score_replies",
        func="pengcheng.insights.tasks.score_replies",
        cron="*/10 * * * *",
        description="Score new department replies and flag weak ones for review.",
    ),
]
