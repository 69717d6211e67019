import json
from functools import partial
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import ValidationFailed
from pengcheng.hotline import importer
from pengcheng.hotline.models import RequestType


class Command(BaseCommand):
    help = (
        "Import historical 12345 tickets from CSV or XLSX files. The column mapping is a preset "
        f"({', '.join(importer.PRESETS)}), detected from the headers, or JSON like "
        '\'{"description": "诉求内容", "created_at": "时间"}\'. Bad rows are listed with file, row and reason.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+")
        parser.add_argument("--preset", choices=sorted(importer.PRESETS), default=None)
        parser.add_argument("--mapping", default=None, help="JSON object: ticket field → column name")
        parser.add_argument(
            "--type", default=RequestType.COMPLAINT, choices=RequestType.values, help="type for rows without one"
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--errors", default=None, help="write the bad rows to this CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        all_errors: list[dict[str, Any]] = []
        total_imported = 0
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"no file at {path}")
            with path.open("rb") as handle:
                headers, _rows, _count = importer.read_table(path.name, handle)
            if options["mapping"]:
                try:
                    mapping = json.loads(options["mapping"])
                except ValueError as exc:
                    raise CommandError(f"--mapping is not JSON: {exc}") from None
            else:
                preset = options["preset"] or importer.detect_preset(headers)
                if preset is None:
                    raise CommandError(f"{path.name}: no preset fits its columns {headers}; give --mapping")
                mapping = importer.mapping_for(headers, preset)
            bar = tqdm(desc=path.name, unit=" rows", file=self.stdout, mininterval=1.0, dynamic_ncols=True)
            try:
                with path.open("rb") as handle:
                    result = importer.run_import(
                        SYSTEM,
                        str(path),
                        handle,
                        importer.ImportOptions(
                            mapping=mapping, default_type=options["type"], dry_run=options["dry_run"]
                        ),
                        progress=bar.update,
                        on_total=partial(setattr, bar, "total"),
                    )
            except ValidationFailed as exc:
                raise CommandError("; ".join(m for ms in exc.field_errors.values() for m in ms)) from None
            finally:
                bar.close()
            verb = "would import" if options["dry_run"] else "imported"
            self.stdout.write(f"{path.name}: {result.rows} rows, {verb} {result.imported}, {result.bad} bad")
            for error in result.errors[:20]:
                self.stdout.write(f"  {error.file} row {error.row}: {error.reason}")
            if result.bad > 20:
                self.stdout.write(f"  … and {result.bad - 20} more")
            all_errors += [error.as_dict() for error in result.errors]
            total_imported += result.imported
        if options["errors"]:
            Path(options["errors"]).write_text(importer.errors_csv(all_errors), encoding="utf-8")
            self.stdout.write(f"bad rows written to {options['errors']}")
        self.stdout.write(f"done: {total_imported} tickets, {len(all_errors)} bad rows")
