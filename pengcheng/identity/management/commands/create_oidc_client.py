from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import ValidationFailed
from pengcheng.identity.models import SCOPES
from pengcheng.identity.services import register_client


class Command(BaseCommand):
    help = (
        "Register an OpenID Connect client. The last line is `client_id=… client_secret=…` (the secret is shown once)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--redirect-uri", action="append", required=True, dest="redirect_uris", help="repeat for several"
        )
        parser.add_argument("--post-logout-redirect-uri", action="append", default=[], dest="post_logout")
        parser.add_argument("--public", action="store_true", help="a public client (no secret; PKCE only)")
        parser.add_argument("--scopes", default="openid,profile", help=f"comma-separated, from: {', '.join(SCOPES)}")
        parser.add_argument("--level", type=int, default=1, choices=[1, 2, 3], help="required real-name level")
        parser.add_argument("--trusted", action="store_true", help="an internal system: skip the consent screen")
        parser.add_argument("--sector", default="", help="pairwise sector (default: the redirect URI's host)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            issued = register_client(
                SYSTEM,
                name=options["name"],
                redirect_uris=options["redirect_uris"],
                post_logout_redirect_uris=options["post_logout"],
                public=options["public"],
                allowed_scopes=[s.strip() for s in options["scopes"].split(",") if s.strip()],
                required_level=options["level"],
                trusted=options["trusted"],
                sector_identifier=options["sector"],
            )
        except ValidationFailed as exc:
            raise CommandError("; ".join(m for ms in exc.field_errors.values() for m in ms)) from None
        client = issued.client
        self.stdout.write(
            f"registered {client.name!r}: {'public' if options['public'] else 'confidential'}, "
            f"scopes {' '.join(client.allowed_scopes)}, level L{client.required_level}, sector {client.sector}"
        )
        self.stdout.write(f"client_id={client.client_id} client_secret={issued.secret}")
