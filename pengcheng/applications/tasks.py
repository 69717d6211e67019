"""Scheduled jobs: deadline warnings and escalations, every working morning."""

from pengcheng.jobs.registry import ScheduledJob

SCHEDULES = [
    ScheduledJob(
        name="applications.deadline_sweep",
        func="pengcheng.applications.services.deadline_sweep",
        cron="30 8 * * *",
        description="Warn clerks of applications due within two working days; escalate overdue ones to supervisors",
    ),
]
