from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "pengcheng.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        from pengcheng.core import navigation, signals  # noqa: F401  (registers receivers)

        navigation.register_core_links()
