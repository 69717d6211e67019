import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pengcheng.core.errors import ValidationFailed
from pengcheng.hotline.inbound import Parsed, process_spool, spool_dir, store
from pengcheng.hotline.models import InboundChannel


class Command(BaseCommand):
    help = (
        "Receive inbound messages: take the spool directory's files (DATA_DIR/hotline/inbound/<channel>/), "
        "or enter one message from the console (--channel sms --sender 1990… --text …)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--spool", default=None, help="process this spool directory (default: the data directory's)"
        )
        parser.add_argument("--channel", choices=InboundChannel.values)
        parser.add_argument("--sender", help="phone number, e-mail address or WeChat openid")
        parser.add_argument("--text")
        parser.add_argument("--subject", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["channel"]:
            if not options["sender"] or not options["text"]:
                raise CommandError("--channel needs --sender and --text")
            try:
                created = store(
                    Parsed(
                        options["channel"],
                        f"console-{uuid.uuid4().hex}",
                        options["sender"],
                        options["text"],
                        options["subject"],
                    )
                )
            except ValidationFailed as exc:
                raise CommandError("; ".join(m for ms in exc.field_errors.values() for m in ms)) from None
            self.stdout.write("message stored" if created else "duplicate message ignored")
            return
        from pathlib import Path

        root = Path(options["spool"]) if options["spool"] else spool_dir()
        counts = process_spool(root)
        self.stdout.write(
            f"{root}: {counts['stored']} stored, {counts['duplicates']} duplicates, {counts['failed']} failed"
        )
