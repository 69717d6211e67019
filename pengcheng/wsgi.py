"""WSGI entry point, used by ``pengcheng serve`` (gunicorn) or any WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pengcheng.settings")
application = get_wsgi_application()
