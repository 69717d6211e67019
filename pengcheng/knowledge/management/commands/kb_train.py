from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import ValidationFailed
from pengcheng.knowledge import services
from pengcheng.knowledge.evaluation import EvaluationError, read_pairs


class Command(BaseCommand):
    help = (
        "Learn the search re-ranker from real question → article pairs (CSV with query, "
        "expected_id naming article numbers in the knowledge base) and make them the active search model."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            pairs = read_pairs(options["file"])
        except EvaluationError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{len(pairs)} pairs read; learning …")
        try:
            model = services.train_search_model(
                SYSTEM,
                pairs,
                source=str(options["file"]),
                progress=lambda done, total: self.stdout.write(f"  {done}/{total} questions"),
            )
        except ValidationFailed as exc:
            raise CommandError("; ".join(m for ms in exc.field_errors.values() for m in ms)) from None
        self.stdout.write(self.style.SUCCESS(f"search model {model.pk} active, learned from {model.trained_on} pairs"))
