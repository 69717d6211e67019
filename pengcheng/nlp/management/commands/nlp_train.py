"""``pengcheng nlp_train``: train a candidate on the hotline's tickets and corrections, evaluate it on
the held-back slice, and promote it if it is no worse than the active model."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import DomainError
from pengcheng.nlp import services


class Command(BaseCommand):
    help = "Train a hotline classifier candidate; promote it if it is no worse than the active model."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-promote", action="store_true", help="keep the new version as a candidate")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def say(message: str) -> None:
            self.stdout.write(f"[{time.monotonic() - started:6.1f}s] {message}")
            self.stdout.flush()

        try:
            version = services.train_candidate(SYSTEM, progress=say, note="pengcheng nlp_train")
            promoted = False if options["no_promote"] else services.promote_if_no_worse(SYSTEM, version, say)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        version.refresh_from_db()
        scores = ", ".join(
            f"{head} macro-F1 {m['macro_f1']:.4f} acc {m['accuracy']:.4f}" for head, m in version.metrics.items()
        )
        self.stdout.write(
            f"v{version.version} {version.status}: {version.training_size:,} training examples "
            f"({version.corrections:,} corrections), {version.holdout_size:,} held back; "
            f"{scores or 'no held-back tickets'}; "
            f"{'promoted' if promoted else 'not promoted'}"
        )
