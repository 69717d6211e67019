"""The classifier console (for 12345 centre supervisors; agents may look): versions and their
scores, operator warnings, training, promotion and rollback, the auto-dispatch threshold, and the
latest dispatcher corrections."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pengcheng.core.console_views import staff_required
from pengcheng.core.errors import DomainError, NotFound, ValidationFailed
from pengcheng.hotline import access
from pengcheng.jobs.services import enqueue
from pengcheng.nlp import selectors, services
from pengcheng.nlp.models import CorrectionKind, VersionStatus


def _report(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed) and exc.field_errors:
        for problems in exc.field_errors.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.error(request, str(exc.message))


def _post(request: HttpRequest) -> None:
    action = request.POST.get("action", "")
    if action == "train":
        access.require_centre_supervisor(request.user, "nlp.train")
        enqueue("pengcheng.nlp.tasks.train_job", request.user.pk, True, group="nlp")
        messages.success(
            request, _("Training queued. The candidate is promoted if it is no worse than the active model.")
        )
    elif action == "promote":
        found = selectors.version(int(request.POST.get("version") or 0))
        if found is None:
            raise NotFound(_("No such version."))
        if services.promote_if_no_worse(request.user, found):
            messages.success(request, _("Version %(v)s is now active.") % {"v": found.version})
        else:
            messages.error(
                request, _("Version %(v)s is worse than the active model and was rejected.") % {"v": found.version}
            )
    elif action == "activate":
        found = selectors.version(int(request.POST.get("version") or 0))
        if found is None:
            raise NotFound(_("No such version."))
        services.activate(request.user, found, request.POST.get("note", ""))
        messages.success(request, _("Version %(v)s is now active.") % {"v": found.version})
    elif action == "rollback":
        restored = services.rollback(request.user, request.POST.get("note", ""))
        messages.success(request, _("Rolled back to version %(v)s.") % {"v": restored.version})
    elif action == "settings":
        services.update_settings(
            request.user,
            auto_dispatch=request.POST.get("auto_dispatch") == "on",
            threshold=request.POST.get("threshold", ""),
        )
        messages.success(request, _("Automatic dispatch settings saved."))
    else:
        raise NotFound(_("Unknown action."))


@staff_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    scope = access.require_dispatcher(request.user, "nlp.view")
    if request.method == "POST":
        try:
            _post(request)
        except DomainError as exc:
            _report(request, exc)
        return redirect("nlp:console")
    versions = list(selectors.versions()[:30])
    counts = selectors.correction_counts()
    return render(
        request,
        "nlp/console.html",
        {
            "versions": versions,
            "active": next((v for v in versions if v.status == VersionStatus.ACTIVE), None),
            "warnings": selectors.warnings(),
            "settings": services.current_settings(),
            "corrections": selectors.recent_corrections(20),
            "correction_counts": [(label, counts.get(kind, 0)) for kind, label in CorrectionKind.choices],
            "heads": list(services.HEAD_LABELS.items()),
            "can_manage": scope.centre_supervisor,
        },
    )


@staff_required
def version_page(request: HttpRequest, number: int) -> HttpResponse:
    access.require_dispatcher(request.user, "nlp.view")
    found = selectors.version(number)
    if found is None:
        raise NotFound(_("No such version."))
    return render(request, "nlp/version.html", {"version": found, "heads": list(services.HEAD_LABELS.items())})
