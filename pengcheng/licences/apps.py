from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicencesConfig(AppConfig):
    name = "pengcheng.licences"
    label = "licences"
    verbose_name = _("Electronic licences")

    def ready(self) -> None:
        from pengcheng.core.models import Role
        from pengcheng.core.navigation import NavLink, register

        register(NavLink("portal", _("My licences"), "licences:wallet", order=50))
        register(NavLink("portal", _("Verify a licence"), "licences:verify", order=60))
        register(
            NavLink(
                "console",
                _("Electronic licences"),
                "licences:console",
                frozenset({Role.CLERK, Role.SUPERVISOR}),
                order=40,
                description=_("Issue, import, revoke and suspend licences; issuer keys"),
            )
        )
