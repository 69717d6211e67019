from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "pengcheng.applications"
    label = "applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from pengcheng.applications import hooks, licensing
        from pengcheng.core.models import Role
        from pengcheng.core.navigation import NavLink, register

        hooks.register_licence_resolver(licensing.resolve)
        hooks.register_approval_hook(licensing.issue_on_approval)

        register(NavLink("portal", _("My applications"), "applications:mine", order=20))
        register(
            NavLink(
                "console",
                _("Work queue"),
                "applications:queue",
                frozenset({Role.CLERK, Role.SUPERVISOR}),
                order=10,
                description=_("Applications to receive, review and decide, by deadline"),
            )
        )
        register(
            NavLink(
                "console",
                _("Overdue work"),
                "applications:overdue",
                frozenset({Role.SUPERVISOR}),
                order=11,
                description=_("Overdue applications in your departments"),
            )
        )
        register(
            NavLink(
                "console",
                _("Service metrics"),
                "applications:metrics",
                frozenset({Role.OPERATOR}),
                order=61,
                description=_("Items online, applications by state, on-time rate and handling time"),
            )
        )
