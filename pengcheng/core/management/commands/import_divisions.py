from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.core.actors import SYSTEM
from pengcheng.core.division_import import DivisionImportError, load_divisions, read_directory


class Command(BaseCommand):
    help = (
        "Import a city's administrative divisions from a directory of CSV files (*districts.csv, "
        "*streets.csv, *communities.csv), e.g. ../shared/data/geo. Nothing is imported if any row is bad."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--city-name", default=None, help="the city's name, needed the first time (e.g. 深圳市)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = read_directory(options["directory"])
            summary = load_divisions(SYSTEM, rows, city_name=options["city_name"], progress=self.stdout.write)
        except DivisionImportError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(exc.problems)} problem(s); nothing was imported") from None
        levels = ", ".join(f"{count} {level}" for level, count in summary.by_level.items())
        self.stdout.write(self.style.SUCCESS(f"imported: {levels}"))
