"""Run the production hot-topic clustering and hotness on a Teddy Cup message file with votes."""

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.insights import clustering, teddy


class Command(BaseCommand):
    help = "Cluster a Teddy Cup message file (留言主题, 留言时间, 留言详情, 点赞数, 反对数); print the top hot topics."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--top", type=int, default=5)
        parser.add_argument("--window-days", type=int, default=30, help="window for the growth term (default 30)")
        parser.add_argument("--threshold", type=float, default=clustering.DEFAULT_THRESHOLD)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loaded = teddy.load(options["file"])
        except teddy.FileProblem as exc:
            raise CommandError(str(exc)) from exc
        for line, reason in loaded.errors:
            self.stderr.write(f"{options['file']}:{line}: {reason}")
        messages = loaded.messages
        if not messages:
            raise CommandError("no readable messages")
        self.stdout.write(f"{len(messages)} messages read, {len(loaded.errors)} bad rows skipped")
        docs = [
            clustering.Doc(
                key=m.number, title=m.title, text=m.text, at=m.at, place=m.place, caller=m.user, votes=m.up + m.down
            )
            for m in messages
        ]
        started = time.perf_counter()
        result = clustering.find_topics(docs, threshold=options["threshold"])
        # No day windows in a history file: growth is the cluster's busiest window against the one before.
        window = dt.timedelta(days=options["window_days"])
        for cluster in result.clusters:
            peak, before = clustering.peak_growth(cluster, docs, window)
            cluster.previous = before
            cluster.growth = round((peak + 1) / (before + 1), 3)
            cluster.hotness = clustering.hotness(
                cluster.count, before, cluster.callers, cluster.votes, growth=cluster.growth
            )
        result.clusters.sort(key=lambda c: (-c.hotness, -c.count))
        seconds = time.perf_counter() - started
        sizes = [c.count for c in result.clusters]
        self.stdout.write(
            f"{len(result.clusters)} clusters of 2 or more messages, covering {sum(sizes)} messages "
            f"({100.0 * sum(sizes) / len(docs):.1f}%), in {seconds:.1f} s"
        )
        for rank, cluster in enumerate(result.clusters[: options["top"]], start=1):
            first = docs[cluster.representatives[0]]
            self.stdout.write("")
            self.stdout.write(f"#{rank} hotness={cluster.hotness:.2f}  {cluster.label}")
            self.stdout.write(
                f"   messages={cluster.count} users={cluster.callers} votes={cluster.votes} "
                f"place={cluster.place or '-'} span={cluster.first_at:%Y-%m-%d}..{cluster.last_at:%Y-%m-%d} "
                f"growth=x{cluster.growth:.1f}"
            )
            self.stdout.write(f"   representative: [{first.key}] {first.title}")
            for index in cluster.representatives[1:]:
                self.stdout.write(f"   also: [{docs[index].key}] {docs[index].title}")
