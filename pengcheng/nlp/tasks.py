"""Classifier jobs: the scheduled retrain (candidate → evaluate → promote if no worse) and training
queued from the console."""

from __future__ import annotations

import logging

from pengcheng.core.actors import SYSTEM, MaybeActor
from pengcheng.core.models import User
from pengcheng.jobs.registry import ScheduledJob

logger = logging.getLogger(__name__)


def scheduled_retrain() -> dict[str, object]:
    from pengcheng.nlp.services import retrain

    version = retrain(SYSTEM, progress=logger.info)
    return {"version": version.version, "status": version.status, "metrics": version.metrics}


def train_job(user_id: int | None, promote: bool = True) -> dict[str, object]:
    """Train a candidate for a supervisor who asked for it in the console."""
    from pengcheng.nlp.services import promote_if_no_worse, train_candidate

    actor: MaybeActor = User.objects.get(pk=user_id) if user_id else SYSTEM
    version = train_candidate(actor, progress=logger.info)
    promoted = promote_if_no_worse(actor, version, logger.info) if promote else False
    return {"version": version.version, "promoted": promoted, "metrics": version.metrics}


SCHEDULES = [
    ScheduledJob(
        name="nlp.retrain",
        func="pengcheng.nlp.tasks.scheduled_retrain",
        cron="30 2 * * 0",
        description="Weekly: retrain the hotline classifier on tickets and corrections; promote it if no worse",
    ),
]
