from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from pengcheng.catalog.importer import CatalogImportError, ParsedRow, import_catalog
from pengcheng.core.actors import SYSTEM


class Command(BaseCommand):
    help = (
        "Import service items from a CSV or XLSX catalogue (columns as in ../shared/data/catalog). "
        "Every bad row is reported with its file, row and reason; nothing is imported if any row is bad "
        "unless --skip-bad is given. Items already present get a new version when they changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--skip-bad", action="store_true", help="import the good rows and report the bad ones")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")

        def progress(rows: Iterable[ParsedRow], total: int) -> Iterable[ParsedRow]:
            return tqdm(rows, total=total, desc="items", unit="", file=self.stdout, mininterval=0.5)

        try:
            summary = import_catalog(SYSTEM, path, skip_bad=options["skip_bad"], progress=progress)
        except CatalogImportError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(exc.problems)} problem(s); nothing was imported") from None
        for problem in summary.problems:
            self.stderr.write(f"skipped {problem}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.rows} rows: {summary.created} items created, {summary.new_versions} new versions, "
                f"{summary.unchanged} unchanged, {summary.skipped} bad rows skipped; "
                f"{summary.departments_created} departments created"
            )
        )
