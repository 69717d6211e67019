"""Scheduled jobs: the daily policy match (政策精准推送)."""

from pengcheng.jobs.registry import ScheduledJob

SCHEDULES = [
    ScheduledJob(
        name="rules.match_policies",
        func="pengcheng.rules.matching.run_scheduled",
        cron="0 6 * * *",
        description="Match policies against citizen and company profiles and tell those who qualify",
    ),
]
