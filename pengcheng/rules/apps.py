from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    name = "pengcheng.rules"
    label = "rules"
    verbose_name = _("Rules and policies")

    def ready(self) -> None:
        from pengcheng.applications import hooks
        from pengcheng.core.models import Role
        from pengcheng.core.navigation import NavLink, register
        from pengcheng.rules import services

        hooks.register_submit_hook(services.decide_at_submit)
        register(NavLink("account", _("Policies for me"), "rules:my_policies", order=40))
        register(
            NavLink(
                "console",
                _("Approval rules"),
                "rules:rule_sets",
                frozenset({Role.SUPERVISOR}),
                order=30,
                description=_("Rules as code for instant approval (秒批): edit, test, simulate, publish"),
            )
        )
        register(
            NavLink(
                "console",
                _("Instant service figures"),
                "rules:stats",
                frozenset({Role.OPERATOR}),
                order=62,
                description=_("秒报 and 秒批 items, automatic and referred decisions, policy matches"),
            )
        )
        register(
            NavLink(
                "console",
                _("Policies"),
                "rules:policies",
                frozenset({Role.OPERATOR}),
                order=63,
                description=_("Policy matching (政策精准推送): eligibility rules and their reach"),
            )
        )
