from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from pengcheng.core.actors import SYSTEM
from pengcheng.registries.services import IMPORTS, import_registry


class Command(BaseCommand):
    help = (
        "Load a base registry from a UTF-8 CSV file. Registries and their columns: "
        + "; ".join(f"{key}: {', '.join(spec.column_names)}" for key, spec in IMPORTS.items())
        + ". All or nothing: every bad row is reported, and then nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("registry", choices=sorted(IMPORTS))
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        key = options["registry"]

        def progress(rows: Any, total: int) -> Any:
            return tqdm(rows, total=total, desc="checking rows", unit="row", file=self.stderr, mininterval=0.5)

        report = import_registry(SYSTEM, key, options["file"], progress=progress)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors:
            raise CommandError(f"{len(report.errors)} bad row(s); nothing was imported")
        self.stdout.write(f"{key} registry: {report.created} new, {report.updated} updated")
