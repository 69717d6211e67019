from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistriesConfig(AppConfig):
    name = "pengcheng.registries"
    label = "registries"
    verbose_name = _("Base registries")
