"""Scheduled audit jobs."""

from pengcheng.jobs.registry import ScheduledJob

SCHEDULES = [
    ScheduledJob(
        name="audit.verify_chain",
        func="pengcheng.audit.services.verify_chain",
        cron="30 2 * * *",
        description="Verify the audit log's hash chain every night.",
    ),
]
