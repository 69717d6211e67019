"""Root URLs. Each Pengcheng app's ``urls.py`` is included at the root; apps own their paths."""

from importlib import import_module

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path

from pengcheng.api import api
from pengcheng.core import views as core_views

admin.site.site_header = "鹏城 Pengcheng"
admin.site.site_title = "鹏城 Pengcheng"


def _app_urls() -> list[URLPattern | URLResolver]:
    patterns: list[URLPattern | URLResolver] = []
    for app in settings.PENGCHENG_APPS:
        try:
            import_module(f"{app}.urls")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.urls":
                raise
            continue
        patterns.append(path("", include(f"{app}.urls")))
    return patterns


urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    *_app_urls(),
    # Anything else under /api/ answers in the API's error envelope, not with an HTML page.
    re_path(r"^api/(?P<rest>.*)$", core_views.api_not_found),
]

handler404 = "pengcheng.core.views.page_not_found"
handler500 = "pengcheng.core.views.server_error"
