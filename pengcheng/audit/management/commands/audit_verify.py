from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pengcheng.audit.services import ChainProblem, iter_chain_problems


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and report every edited, deleted or re-ordered record."

    def handle(self, *args: Any, **options: Any) -> None:
        problems: list[ChainProblem] = []
        checked = 0
        for item in iter_chain_problems():
            if isinstance(item, ChainProblem):
                problems.append(item)
                self.stdout.write(f"record {item.where}: {item.kind}: {item.detail}")
            else:
                checked = item
        if problems:
            raise CommandError(f"audit chain broken: {len(problems)} problem(s) in {checked} records")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} records verified"))
