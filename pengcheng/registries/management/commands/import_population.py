from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from pengcheng.core.actors import SYSTEM
from pengcheng.registries.services import POPULATION_COLUMNS, import_population


class Command(BaseCommand):
    help = (
        "Load the population registry (人口库) from a UTF-8 CSV file with the columns "
        + ", ".join(POPULATION_COLUMNS)
        + ". All or nothing: every bad row is reported, and then nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(rows: Any, total: int) -> Any:
            return tqdm(rows, total=total, desc="checking rows", unit="row", file=self.stderr, mininterval=0.5)

        report = import_population(SYSTEM, options["file"], progress=progress)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors:
            raise CommandError(f"{len(report.errors)} bad row(s); nothing was imported")
        self.stdout.write(f"population registry: {report.created} new, {report.updated} updated")
