from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrefillConfig(AppConfig):
    name = "pengcheng.prefill"
    label = "prefill"
    verbose_name = _("Pre-fill with consent")

    def ready(self) -> None:
        from pengcheng.applications import hooks
        from pengcheng.core import agent_powers
        from pengcheng.core.models import Role
        from pengcheng.core.navigation import NavLink, register
        from pengcheng.prefill import selectors, services

        hooks.register_edit_gate(services.gate)
        hooks.register_form_guard(services.guard)
        hooks.register_form_annotator(services.annotate)
        # The company agents page (core) shows, grants and withdraws the data consent mandate.
        agent_powers.register(
            agent_powers.AgentPower(
                key="data-consent",
                label=_("Data consent mandate"),
                grant_label=_("Give data consent mandate"),
                withdraw_label=_("Withdraw data consent mandate"),
                holders=selectors.mandated_agents,
                grant=services.mandate_data_consent,
                withdraw=services.withdraw_data_mandate,
                description=_(
                    "An agent with this mandate may also agree, for the company, to its registry data being "
                    "fetched to fill in forms (秒报). Without it they apply for the company but type its data in."
                ),
            )
        )
        register(
            NavLink(
                "account",
                _("Data consents"),
                "prefill:consents",
                order=5,
                description=_("Data you let services fetch to fill in forms; revoke at any time"),
            )
        )
        register(
            NavLink(
                "console",
                _("Registry data use"),
                "prefill:registry-uses",
                frozenset({Role.DATA_OFFICER}),
                order=62,
                description=_("Every fetch of your department's registry data for pre-fill: by whom, for what"),
            )
        )
        register(
            NavLink(
                "account",
                _("Who used my data"),
                "prefill:uses",
                order=6,
                description=_("Every fetch of your registry data: by whom, from where, for what"),
            )
        )
