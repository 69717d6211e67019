from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import ValidationFailed
from pengcheng.core.models import User
from pengcheng.licences.selectors import type_by_code
from pengcheng.licences.services import import_licences


class Command(BaseCommand):
    help = (
        "Issue licences of one type from a CSV file (columns: holder_identifier, holder_name, optional "
        "valid_from, valid_until, then the type's data fields). Good rows are issued; every bad row is reported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("type", help="licence type code, e.g. SZ-JZZ")
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", help="issue as this clerk (default: the platform itself)")

    def handle(self, *args: Any, **options: Any) -> None:
        licence_type = type_by_code(options["type"])
        if licence_type is None:
            raise CommandError(f"no licence type {options['type']!r}")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        actor: Any = SYSTEM
        if options["username"]:
            actor = User.objects.filter(username=options["username"]).first()
            if actor is None:
                raise CommandError(f"no account {options['username']!r}")

        def progress(items: Any, total: int) -> Any:
            return tqdm(items, total=total, desc=licence_type.code, unit="row", file=self.stdout)

        try:
            result = import_licences(actor, licence_type, path.read_bytes(), filename=path.name, progress=progress)
        except ValidationFailed as exc:
            raise CommandError("; ".join(m for ms in exc.field_errors.values() for m in ms)) from None
        for row, reason in result.errors:
            self.stdout.write(f"{path.name}:{row}: {reason}")
        self.stdout.write(f"{result.rows} rows: {len(result.created)} issued, {len(result.errors)} rejected")
