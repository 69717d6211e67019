from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import User
from pengcheng.identity.services import reset_second_factor


class Command(BaseCommand):
    help = "Remove an account's authenticator and recovery codes (a lost phone); they enrol again at the next login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no account named {options['username']!r}")
        reset_second_factor(SYSTEM, user)
        self.stdout.write(f"{user.username}: second factor removed; they will enrol again at the next login")
