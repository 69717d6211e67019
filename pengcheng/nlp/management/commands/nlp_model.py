"""``pengcheng nlp_model list|activate N|rollback``: see the classifier versions, activate any of
them, or go back to the previous one. Every change is audited."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import DomainError
from pengcheng.nlp import selectors, services, store


class Command(BaseCommand):
    help = "List hotline classifier versions, activate one, or roll back to the previous one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "activate", "rollback"])
        parser.add_argument("version", nargs="?", type=int)
        parser.add_argument("--note", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "activate":
                if options["version"] is None:
                    raise CommandError("say which version to activate")
                found = selectors.version(options["version"])
                if found is None:
                    raise CommandError(f"no version {options['version']}")
                services.activate(SYSTEM, found, options["note"])
                self.stdout.write(f"v{found.version} is active")
            elif action == "rollback":
                restored = services.rollback(SYSTEM, options["note"])
                self.stdout.write(f"rolled back to v{restored.version}")
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        for version in selectors.versions()[:20]:
            problem = store.check_file(version)
            scores = " ".join(f"{h}={m['macro_f1']:.4f}" for h, m in version.metrics.items())
            self.stdout.write(
                f"v{version.version:<4} {version.status:<9} {version.trained_at:%Y-%m-%d %H:%M} "
                f"train={version.training_size} {scores}{'  ! ' + problem if problem else ''}"
            )
