from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import ValidationFailed
from pengcheng.core.models import User
from pengcheng.core.services import create_api_key


class Command(BaseCommand):
    help = "Issue an API key. The key is printed once, as the last line; only its hash is stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", default="", help="comma-separated, e.g. open311,opendata")
        parser.add_argument("--owner", default=None, help="user name of the account the key acts for")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = None
        if options["owner"]:
            owner = User.objects.filter(username=options["owner"]).first()
            if owner is None:
                raise CommandError(f"no account named {options['owner']!r}")
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            issued = create_api_key(SYSTEM, name=options["name"], scopes=scopes, owner=owner)
        except ValidationFailed as exc:
            raise CommandError("; ".join(m for ms in exc.field_errors.values() for m in ms)) from None
        self.stdout.write(
            f"issued key {issued.key.prefix}… named {issued.key.name!r} scopes={','.join(issued.key.scopes)}"
        )
        self.stdout.write(issued.raw)
