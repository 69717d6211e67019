from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "pengcheng.opendata"
    label = "opendata"
    verbose_name = _("Open data")

    def ready(self) -> None:
        from pengcheng.core.models import Role
        from pengcheng.core.navigation import NavLink, register

        register(
            NavLink(
                "portal",
                _("Open data"),
                "opendata:search",
                order=40,
                description=_("Datasets published by the city's departments, with a CKAN-compatible API."),
            )
        )
        register(NavLink("portal", _("Developers"), "opendata:developer", order=41))
        register(
            NavLink(
                "console",
                _("Open data publishing"),
                "opendata-console:datasets",
                roles=frozenset({Role.DATA_OFFICER}),
                order=40,
                description=_("Publish datasets, review personal-data findings, and see API usage."),
            )
        )
        register(
            NavLink(
                "console",
                _("Open data usage"),
                "opendata-console:usage",
                roles=frozenset({Role.DATA_OFFICER}),
                order=41,
                description=_("API calls per day, per dataset and per key."),
            )
        )
