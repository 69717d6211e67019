from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "pengcheng.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from pengcheng.core.navigation import NavLink, register

        register(NavLink("portal", _("Messages"), "notifications:inbox", order=90))
