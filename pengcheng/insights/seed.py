"""Demo seed for insights: the last week's hot topics and the demo replies scored, so the console
pages have something to show. Runs after the hotline seed (app order) and only on demo tickets."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pengcheng.core.actors import SYSTEM
from pengcheng.hotline.models import Ticket
from pengcheng.insights.models import HotTopic
from pengcheng.seeding import SeedContext

DAYS = 7


def seed_demo(ctx: SeedContext) -> None:
    if not Ticket.objects.filter(external_id__startswith="demo-").exists() or HotTopic.objects.exists():
        return
    from pengcheng.insights.services import assess_pending, compute_hot_topics

    today = timezone.localdate()
    topics = 0
    for back in range(DAYS, 0, -1):
        topics += len(compute_hot_topics(SYSTEM, today - dt.timedelta(days=back)))
    scored = assess_pending()
    ctx.say(f"insights: {topics} hot topics over the last {DAYS} days, {scored['scored']} replies scored")
