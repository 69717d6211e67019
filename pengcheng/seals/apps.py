from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SealsConfig(AppConfig):
    name = "pengcheng.seals"
    label = "seals"
    verbose_name = _("Electronic seals")

    def ready(self) -> None:
        from pengcheng.core.models import Role
        from pengcheng.core.navigation import NavLink, register

        register(NavLink("portal", _("Check a sealed PDF"), "seals:verify", order=61))
        register(
            NavLink(
                "console",
                _("Electronic seals"),
                "seals:registry",
                frozenset({Role.CLERK, Role.SUPERVISOR}),
                order=41,
                description=_("Department seals, who may use them, and every sealed document"),
            )
        )
