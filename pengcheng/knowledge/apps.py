from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "pengcheng.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from pengcheng.core.models import Role
        from pengcheng.core.navigation import NavLink, register

        register(
            NavLink(
                "portal",
                _("Questions and answers"),
                "knowledge:public",
                order=32,
                description=_("Find official answers to common questions"),
            )
        )
        register(
            NavLink(
                "console",
                _("Knowledge base"),
                "knowledge:manage",
                frozenset({Role.HOTLINE_AGENT, Role.SUPERVISOR}),
                order=25,
                description=_("Answers for enquiries: search, edit, publish, review"),
            )
        )
