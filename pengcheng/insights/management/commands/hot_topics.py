"""Compute the hot topics of a day now (the scheduled job does yesterday every night)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import ValidationFailed
from pengcheng.insights.services import compute_hot_topics


class Command(BaseCommand):
    help = "Cluster one day's tickets into hot topics, store the top 10 and alert supervisors on spikes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", type=dt.date.fromisoformat, help="YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--window-days", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(stage: str, done: int, total: int) -> None:
            self.stderr.write(f"{stage}: {done}/{total}")

        try:
            topics = compute_hot_topics(SYSTEM, options["day"], window_days=options["window_days"], progress=progress)
        except ValidationFailed as exc:
            raise CommandError("; ".join(p for ps in exc.field_errors.values() for p in ps)) from exc
        for topic in topics:
            flag = " SPIKE" if topic.spiking else ""
            self.stdout.write(
                f"#{topic.rank} {topic.hotness:.2f} {topic.label} [{topic.place or '-'}] "
                f"tickets={topic.count} previous={topic.previous} callers={topic.callers}{flag}"
            )
        self.stdout.write(f"{len(topics)} hot topics stored, {sum(1 for t in topics if t.spiking)} spikes")
