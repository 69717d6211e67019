import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from pengcheng.core.models import Division
from pengcheng.seeding import DEMO_PASSWORD, SeedContext, seed_demo


class Command(BaseCommand):
    help = "Run the demo: migrate, seed the demo city if the database is empty, start a job worker, and serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--data-dir", default=None, help="where the database and files live (applied at start)")
        parser.add_argument("--no-worker", action="store_true", help="do not start a background job worker")
        parser.add_argument("--no-serve", action="store_true", help="prepare the database, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"data directory: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        ctx = SeedContext(out=self.stdout)
        if not Division.objects.exists():
            self.stdout.write("seeding the demo city (first run)…")
        seed_demo(ctx)
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Pengcheng demo: {url}"))
        self.stdout.write(f"demo accounts (password {DEMO_PASSWORD!r}):")
        for username, role in ctx.accounts:
            self.stdout.write(f"  {username:<12} {role}")
        for note in ctx.notes:
            self.stdout.write(self.style.WARNING(note))
        self.stdout.write(f"admin: {url}admin/   API: {url}api/v1/docs")
        if options["no_serve"]:
            return
        worker = None
        if not options["no_worker"]:
            env = dict(os.environ, PENGCHENG_DATA_DIR=str(settings.DATA_DIR))
            worker = subprocess.Popen(
                [sys.executable, "-m", "pengcheng", "worker", "--workers", "1"],
                env=env,
                stdout=subprocess.DEVNULL,
                cwd=Path.cwd(),
            )
        try:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False, use_threading=True)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
