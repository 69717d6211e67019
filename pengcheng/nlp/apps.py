from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NlpConfig(AppConfig):
    name = "pengcheng.nlp"
    label = "nlp"
    verbose_name = _("Hotline text classification")

    def ready(self) -> None:
        from pengcheng.core.models import Role
        from pengcheng.core.navigation import NavLink, register
        from pengcheng.hotline.access import hotline_scope
        from pengcheng.hotline.classifier import feedback
        from pengcheng.nlp.receivers import on_feedback

        feedback.connect(on_feedback, dispatch_uid="pengcheng.nlp.corrections")
        register(
            NavLink(
                "console",
                _("12345 classifier"),
                "nlp:console",
                frozenset({Role.SUPERVISOR, Role.HOTLINE_AGENT}),
                order=26,
                description=_("Model versions, their scores, corrections, automatic dispatch and rollback"),
                visible=lambda actor: hotline_scope(actor).dispatcher,
            )
        )
