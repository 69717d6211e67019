from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "pengcheng.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from pengcheng.workdays import models, selectors

        for model in (models.CalendarDay, models.CalendarYear):
            post_save.connect(selectors.on_calendar_changed, sender=model, dispatch_uid=f"workdays-save-{model}")
            post_delete.connect(selectors.on_calendar_changed, sender=model, dispatch_uid=f"workdays-del-{model}")
