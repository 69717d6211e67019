from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from pengcheng.hotline.stats import refresh


class Command(BaseCommand):
    help = "Rebuild the 12345 supervisor figures for the days that changed (--full: every day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        with tqdm(desc="days", unit=" days", file=self.stdout, mininterval=1.0) as bar:
            result = refresh(full=options["full"], progress=bar)
        self.stdout.write(f"{result['days']} days rebuilt")
