import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.seeding import SeedContext, seed_demo


class Command(BaseCommand):
    help = (
        "Seed the synthetic demo city (Shenzhen). --scale N multiplies the population (citizens, companies, "
        "staff); running it again only adds what is missing, and the same scale always gives the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="population multiplier (default 1: 2,000 citizens)")
        parser.add_argument("--quiet", action="store_true", help="no progress output")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] < 1:
            raise CommandError("--scale must be 1 or more")
        started = time.perf_counter()
        ctx = seed_demo(SeedContext(scale=options["scale"], out=self.stdout, quiet=options["quiet"]))
        ctx.say(f"demo seed done in {time.perf_counter() - started:.1f} s (scale {options['scale']})")
