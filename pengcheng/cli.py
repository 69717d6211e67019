"""The ``pengcheng`` command: the project's manage.py.

Every Django management command runs through it (``pengcheng migrate``, ``pengcheng demo`` …).
"""

from __future__ import annotations

import os
import sys


def _prepare_environment(argv: list[str]) -> None:
    """Apply options that must be known before the settings are read."""
    command = argv[1] if len(argv) > 1 else ""
    if command == "demo":
        os.environ.setdefault("PENGCHENG_DEMO", "1")
        # The demo runs on plain http://127.0.0.1, so no HTTPS redirect or secure-only cookies.
        os.environ.setdefault("PENGCHENG_SSL_REDIRECT", "0")
        os.environ.setdefault("PENGCHENG_SECURE_COOKIES", "0")
    for index, arg in enumerate(argv):
        if arg == "--data-dir" and index + 1 < len(argv):
            os.environ["PENGCHENG_DATA_DIR"] = argv[index + 1]
        elif arg.startswith("--data-dir="):
            os.environ["PENGCHENG_DATA_DIR"] = arg.split("=", 1)[1]


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pengcheng.settings")
    _prepare_environment(argv)
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        # One line that names the variable, not a traceback.
        sys.stderr.write(f"pengcheng: configuration error: {exc}\n")
        raise SystemExit(2) from None
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
