from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.knowledge.evaluation import EvaluationError, evaluate


class Command(BaseCommand):
    help = (
        "Evaluate knowledge-base search on question → article pairs, with the production search path. "
        "The last line is 'hit@1=… hit@3=… hit@5=…'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--articles", type=Path, required=True, help="CSV with id, body (and optional title, variants)"
        )
        parser.add_argument("--queries", type=Path, required=True, help="CSV with query, expected_id")
        parser.add_argument("--train-queries", type=Path, help="CSV with query, expected_id to learn from")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            hits = evaluate(options["articles"], options["queries"], options["train_queries"], say=self.stdout.write)
        except EvaluationError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(" ".join(f"hit@{k}={v:.3f}" for k, v in hits.items()))
