import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.core.actors import SYSTEM
from pengcheng.rules import services
from pengcheng.rules.models import RuleSet


class Command(BaseCommand):
    help = (
        "Run a rule set (by id, or the newest draft of an item: --item CODE) against the item's past "
        "applications (with today's registry data) and report how many decisions would change, and which. "
        "No decision is written; the registry reads are logged as data uses (by the platform)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("rule_set", nargs="?", type=int, help="rule set id")
        parser.add_argument("--item", default="", help="item code: simulate its newest draft rule set")
        parser.add_argument("--limit", type=int, default=5000, help="most recent applications to replay")
        parser.add_argument("--json", action="store_true", help="print the full result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        rule_sets = RuleSet.objects.select_related("item_version__item")
        if options["rule_set"]:
            rule_set = rule_sets.filter(pk=options["rule_set"]).first()
        elif options["item"]:
            rule_set = (
                rule_sets.filter(item_version__item__code=options["item"]).order_by("state", "-number").first()
            )  # "draft" sorts first
        else:
            raise CommandError("give a rule set id or --item CODE")
        if rule_set is None:
            raise CommandError("no such rule set")
        result = services.simulate(SYSTEM, rule_set, limit=options["limit"])
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(limit=10_000), ensure_ascii=False, indent=1))
            return
        self.stdout.write(
            f"{rule_set.item_version.item.code} rule set v{rule_set.number} ({rule_set.state}): "
            f"{result.total} past applications, {result.changed} decisions would change "
            f"(today's registry data; {result.data_uses} registry reads logged as data uses)"
        )
        for outcome, count in sorted(result.outcomes.items()):
            self.stdout.write(f"  {outcome}: {count}")
        for change, count in sorted(result.transitions.items()):
            self.stdout.write(f"  {change}: {count}")
        for row in result.rows:
            if row.changed:
                self.stdout.write(f"  {row.number}: {row.before or 'pending'} → {row.after} ({row.rule}) {row.reason}")
