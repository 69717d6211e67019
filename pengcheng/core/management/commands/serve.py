import multiprocessing
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = "Run the production web server (gunicorn) with static files served by WhiteNoise."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="0.0.0.0")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=max(2, multiprocessing.cpu_count()),
            help="web worker processes (default: number of cores, at least 2)",
        )
        # Threaded workers keep HTTP connections alive; sync workers close every connection after one
        # response and wait for the client to hang up, which halved the console's throughput.
        parser.add_argument(
            "--threads", type=int, default=4, help="threads per worker (default 4; 1 runs gunicorn's sync worker)"
        )
        parser.add_argument("--migrate", action="store_true", help="apply database migrations first")
        parser.add_argument("--access-log", action="store_true", help="log every request")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=1)
        executor = MigrationExecutor(connections["default"])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise CommandError(f"{len(pending)} database migration(s) not applied: run `pengcheng migrate` first")
        call_command("collectstatic", interactive=False, verbosity=0)
        connections.close_all()  # gunicorn forks; children open their own connections

        from gunicorn.app.base import BaseApplication

        from pengcheng.wsgi import application

        config = {
            "bind": f"{options['host']}:{options['port']}",
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread" if options["threads"] > 1 else "sync",
            "accesslog": "-" if options["access_log"] else None,
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 30,
            "keepalive": 5,
            "max_requests": 10000,
            "max_requests_jitter": 1000,
        }

        class PengchengServer(BaseApplication):
            def load_config(self) -> None:
                for key, value in config.items():
                    if value is not None:
                        self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        self.stdout.write(
            f"serving on http://{options['host']}:{options['port']}/ with {options['workers']} worker(s); "
            f"DEBUG={settings.DEBUG}"
        )
        PengchengServer().run()
