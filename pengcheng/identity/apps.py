from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "pengcheng.identity"
    label = "identity"
    verbose_name = _("Unified identity")

    def ready(self) -> None:
        from pengcheng.core import login_steps
        from pengcheng.core.models import Role
        from pengcheng.core.navigation import PLATFORM, NavLink, register
        from pengcheng.identity import mfa, signals  # noqa: F401  (registers receivers)

        login_steps.register(mfa.login_step)
        for order, (label, url_name, description) in enumerate(
            [
                (
                    _("Verify your real name"),
                    "identity:verify",
                    _("Raise your account to L2 with the population registry"),
                ),
                (_("Authorised applications"), "identity:applications", _("Systems you let sign you in")),
                (_("Sessions"), "identity:sessions", _("Where you are signed in; sign out everywhere")),
                (_("Two-step verification"), "identity:security", _("Authenticator app and recovery codes")),
            ]
        ):
            register(NavLink("account", label, url_name, order=order, description=description))
        register(
            NavLink(
                "console",
                _("Identity clients"),
                "identity-console:clients",
                PLATFORM,
                order=60,
                description=_("OpenID Connect clients and signing keys"),
            )
        )
        register(
            NavLink(
                "console",
                _("Real-name verification"),
                "identity-console:realname",
                frozenset({Role.CLERK}),
                order=61,
                description=_("Verify a citizen in person (L3)"),
            )
        )
