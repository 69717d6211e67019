from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "pengcheng.catalog"
    label = "catalog"
    verbose_name = _("Service catalogue")

    def ready(self) -> None:
        from pengcheng.core.models import Role
        from pengcheng.core.navigation import NavLink, register

        register(NavLink("portal", _("Services"), "catalog:index", order=10))
        register(
            NavLink(
                "console",
                _("Service catalogue"),
                "catalog:manage",
                frozenset({Role.OPERATOR}),
                order=60,
                description=_("Service items, their versions and whether they are online"),
            )
        )
