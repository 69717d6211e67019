from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import ValidationFailed
from pengcheng.core.models import Role
from pengcheng.core.services import create_account


class Command(BaseCommand):
    help = "Create an account non-interactively: a citizen or a staff member with a role in a department."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=["citizen", *Role.values])
        parser.add_argument("--department", default=None, help="department code, e.g. 440300-SCJGJ")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = create_account(
                SYSTEM,
                username=options["username"],
                password=options["password"],
                role=options["role"],
                department_code=options["department"],
                full_name=options["full_name"],
                email=options["email"],
            )
        except ValidationFailed as exc:
            raise CommandError("; ".join(f"{f}: {m}" for f, ms in exc.field_errors.items() for m in ms)) from None
        self.stdout.write(f"created {user.username} ({options['role']})")
