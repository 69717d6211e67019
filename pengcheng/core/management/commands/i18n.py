import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Refresh the zh_Hans message catalogues: one per app (<app>/locale) plus the project's own "
        "(pengcheng/locale, for the shared templates), then compile them. Needs GNU gettext."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--compile-only", action="store_true")
        parser.add_argument(
            "--app", action="append", default=[], help="only this app (repeatable; 'project' for the shared templates)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = Path(settings.BASE_DIR)
        all_app_dirs = [project / app.rsplit(".", 1)[-1] for app in settings.PENGCHENG_APPS]
        chosen = set(options["app"])
        app_dirs = [d for d in all_app_dirs if not chosen or d.name in chosen]
        include_project = not chosen or "project" in chosen
        start = Path.cwd()
        try:
            if not options["compile_only"]:
                for directory in app_dirs:
                    (directory / "locale").mkdir(exist_ok=True)
                    os.chdir(directory)
                    call_command(
                        "makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0, ignore_patterns=["tests/*"]
                    )
                if include_project:
                    os.chdir(project)
                    ignored = [f"{d.name}/*" for d in all_app_dirs] + ["tests/*"]
                    call_command(
                        "makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0, ignore_patterns=ignored
                    )
            for directory in [*app_dirs, *([project] if include_project else [])]:
                if (directory / "locale").exists():
                    os.chdir(directory)
                    call_command("compilemessages", locale=["zh_Hans"], verbosity=0)
        finally:
            os.chdir(start)
        self.stdout.write("catalogues refreshed and compiled")
