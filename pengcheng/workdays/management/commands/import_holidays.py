from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import ValidationFailed
from pengcheng.workdays import services


class Command(BaseCommand):
    help = (
        "Load a year's public holidays and make-up working days, from the State Council notice as text "
        "(FILE.txt) or from CSV rows date,kind,name (FILE.csv, needs --year). Replaces that year."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--year", type=int, default=None, help="the arrangement's year (default: from the notice)")
        parser.add_argument("--reference", default="", help="e.g. the notice's document number")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot read: {exc}") from None
        try:
            if path.suffix.lower() == ".csv":
                if not options["year"]:
                    raise CommandError("--year is required for a CSV file")
                result = services.import_csv(SYSTEM, text, year=options["year"], reference=options["reference"])
            else:
                result = services.import_notice(SYSTEM, text, year=options["year"], reference=options["reference"])
        except ValidationFailed as exc:
            lines = [f"{path}: {message}" for messages in exc.field_errors.values() for message in messages]
            raise CommandError("\n".join(lines)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.year}: {result.holidays} holidays and {result.workdays} make-up working days loaded"
            )
        )
