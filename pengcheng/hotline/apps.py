from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "pengcheng.hotline"
    label = "hotline"
    verbose_name = _("12345 hotline")

    def ready(self) -> None:
        from pengcheng.core.models import Role
        from pengcheng.core.navigation import NavLink, register
        from pengcheng.hotline.access import hotline_scope

        register(
            NavLink(
                "portal",
                _("12345 requests"),
                "hotline:portal",
                order=30,
                description=_("Submit a request, complaint or suggestion and follow it"),
            )
        )
        staff = frozenset({Role.HOTLINE_AGENT, Role.CLERK, Role.SUPERVISOR})
        register(
            NavLink(
                "console",
                _("Take a call"),
                "hotline:call",
                frozenset({Role.HOTLINE_AGENT}),
                order=20,
                description=_("Look up the caller, see their history and take a ticket"),
            )
        )
        register(
            NavLink(
                "console",
                _("12345 tickets"),
                "hotline:queue",
                staff,
                order=21,
                description=_("Dispatch, accept, handle, reply to and close citizen requests"),
            )
        )
        register(
            NavLink(
                "console",
                _("Inbound messages"),
                "hotline:inbound",
                frozenset({Role.HOTLINE_AGENT}),
                order=22,
                description=_("SMS, e-mail and WeChat messages waiting to become tickets"),
            )
        )
        register(
            NavLink(
                "console",
                _("12345 overview"),
                "hotline:stats",
                frozenset({Role.SUPERVISOR}),
                order=23,
                description=_("Volumes, on-time rates, satisfaction and refusals; SLA breaches"),
            )
        )
        register(
            NavLink(
                "console",
                _("12345 routing and time limits"),
                "hotline:routing",
                frozenset({Role.SUPERVISOR}),
                order=24,
                description=_("Which department handles which category where, and how long it has"),
            )
        )
        register(
            NavLink(
                "console",
                _("Import tickets"),
                "hotline:import",
                frozenset({Role.SUPERVISOR}),
                order=25,
                description=_("Load historical tickets from CSV or Excel with a column mapping"),
                visible=lambda actor: hotline_scope(actor).centre_supervisor,
            )
        )
