from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pengcheng.core.actors import SYSTEM
from pengcheng.identity import keys
from pengcheng.identity.services import rotate_signing_key


class Command(BaseCommand):
    help = (
        "Rotate the ID-token signing key: publish a new key, which signs after a short delay; the old "
        "keys stay in the JWKS until the tokens they signed have expired."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prune", action="store_true", help="only delete keys whose time has passed")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["prune"]:
            self.stdout.write(f"deleted {keys.prune()} expired key(s)")
            return
        key = rotate_signing_key(SYSTEM)
        self.stdout.write(f"new key {key.kid} signs from {key.active_from:%Y-%m-%d %H:%M:%S} UTC")
        for ring_key in keys.ring():
            until = f"until {ring_key.expires_at:%Y-%m-%d %H:%M} UTC" if ring_key.expires_at else "(current)"
            self.stdout.write(f"  published {ring_key.kid} {until}")
