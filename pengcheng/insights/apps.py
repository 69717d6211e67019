from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "pengcheng.insights"
    label = "insights"
    verbose_name = _("Hotline insights")

    def ready(self) -> None:
        from pengcheng.core.models import Role
        from pengcheng.core.navigation import NavLink, register

        supervisors = frozenset({Role.SUPERVISOR})
        register(
            NavLink(
                "console",
                _("12345 hot topics"),
                "insights:hot-topics",
                supervisors,
                order=26,
                description=_("Each day's top 10 clusters of similar requests, by place, with spike alerts"),
            )
        )
        register(
            NavLink(
                "console",
                _("12345 analysis reports"),
                "insights:reports",
                supervisors,
                order=27,
                description=_("Weekly, monthly and any-range reports as HTML and PDF"),
            )
        )
        register(
            NavLink(
                "console",
                _("Reply quality review"),
                "insights:reply-queue",
                supervisors,
                order=28,
                description=_("Department replies scored for relevance, completeness and timeliness"),
            )
        )
