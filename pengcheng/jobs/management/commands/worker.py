from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from pengcheng.jobs.services import sync_schedules


class Command(BaseCommand):
    help = "Run background jobs (django-q2 cluster) after syncing the scheduled jobs each app declares."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=None, help="number of worker processes")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"]:
            from django_q.conf import Conf

            # django-q2 reads its settings once at import; set the value it actually uses.
            Conf.WORKERS = settings.Q_CLUSTER["workers"] = options["workers"]
        counts = sync_schedules()
        broker = "redis" if "redis" in settings.Q_CLUSTER else "database"
        self.stdout.write(
            f"schedules: {counts['created']} created, {counts['updated']} updated, {counts['removed']} removed; "
            f"broker: {broker}; workers: {settings.Q_CLUSTER['workers']}"
        )
        call_command("qcluster")
