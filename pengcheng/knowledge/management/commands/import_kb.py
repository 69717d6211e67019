from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from pengcheng.core.actors import SYSTEM
from pengcheng.knowledge.importer import KbImportError, ParsedRow, import_articles


class Command(BaseCommand):
    help = (
        "Import knowledge-base articles from CSV (columns id, body, and optionally department, department_code, "
        "title, variants, category, valid_from, valid_to, review_days, status). Every bad row is reported; "
        "nothing is written if any row is bad. Changed articles get a new version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")

        def progress(rows: Iterable[ParsedRow], total: int) -> Iterable[ParsedRow]:
            return tqdm(rows, total=total, desc="articles", unit="", file=self.stdout, mininterval=0.5)

        self.stdout.write(f"checking {path} …")
        try:
            summary = import_articles(SYSTEM, path, progress=progress)
        except KbImportError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(exc.problems)} problem(s); nothing was imported") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.rows} rows: {summary.created} articles created, {summary.new_versions} new versions, "
                f"{summary.unchanged} unchanged"
            )
        )
