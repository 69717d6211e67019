"""Generate an analysis report now, for a date range or the last week or month."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.core.errors import ValidationFailed
from pengcheng.insights import services
from pengcheng.insights.models import Report, ReportKind


class Command(BaseCommand):
    help = "Render a 12345 analysis report (HTML and PDF) into the data directory and print where."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=ReportKind.values, default=ReportKind.CUSTOM)
        parser.add_argument("--start", type=dt.date.fromisoformat)
        parser.add_argument("--end", type=dt.date.fromisoformat)
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="the language of the report's text (default: the platform's, zh-hans)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        if kind != ReportKind.CUSTOM:
            report = services.scheduled_report(kind, language=options["language"])
        else:
            if not options["start"] or not options["end"]:
                raise CommandError("--start and --end are needed for a date-range report")
            try:
                services._check_range(options["start"], options["end"])
            except ValidationFailed as exc:
                raise CommandError("; ".join(p for ps in exc.field_errors.values() for p in ps)) from exc
            report = Report.objects.create(
                kind=kind,
                start=options["start"],
                end=options["end"],
                language=options["language"],
                title=services.report_title(kind, options["start"], options["end"], options["language"]),
            )
            services.generate_report(report.pk)
            report.refresh_from_db()
        if report.status != "ready":
            raise CommandError(f"report {report.pk} failed: {report.error}")
        self.stdout.write(f"report {report.pk}: {report.title}")
        self.stdout.write(f"html={report.html_path} pdf={report.pdf_path} (under the data directory)")
