"""Pages for pre-fill (秒报): the consent screen before a form, my consents, and who used my data."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pengcheng.applications import kiosk
from pengcheng.applications import selectors as application_selectors
from pengcheng.applications.models import Application
from pengcheng.core.console_views import staff_required
from pengcheng.core.errors import Conflict
from pengcheng.core.models import User
from pengcheng.prefill import selectors, services
from pengcheng.prefill.models import Consent
from pengcheng.registries.models import REGISTRIES


def _consent_context(application: Application, user: User) -> dict[str, Any]:
    """What the consent screen shows (the portal's and the kiosk's alike): what, from whom, why, until when,
    and why agreeing would be refused (company data, for an agent without a data consent mandate)."""
    plan = selectors.plan_for(application)
    return {
        "refusal": selectors.company_consent_refusal(user, application, plan),
        "application": application,
        "version": application.item_version,
        "plan": plan,
        "existing": selectors.usable_consent(application, plan.attributes) if not plan.empty else None,
        "days": services.CONSENT_DAYS,
        "expires_on": timezone.localdate() + dt.timedelta(days=services.CONSENT_DAYS),
        "state": services.state_of(application).get("state", ""),
    }


def _decide(request: HttpRequest, application: Application, user: User) -> None:
    """Carry out the applicant's answer on the consent screen through the services, and say what happened."""
    try:
        if request.POST.get("decision") == "agree":
            result = services.grant_and_fill(user, application)
            messages.success(
                request,
                _("%(count)s fields were filled in from government data and verified. Check the rest and submit.")
                % {"count": len(result.locked)},
            )
        else:
            services.decline(user, application)
            messages.info(request, _("Nothing was fetched. Please fill in the form yourself."))
    except Conflict as exc:
        messages.error(request, str(exc.message))


@login_required
def consent(request: HttpRequest, number: str) -> HttpResponse:
    """Which data will be fetched, from which department, for what; agree or type it all yourself."""
    application = application_selectors.for_applicant(request.user, number)
    if not application.is_editable or not selectors.is_instant_fill(application.item_version):
        return redirect("applications:edit", number=number)
    if request.method == "POST":
        _decide(request, application, cast(User, request.user))
        return redirect("applications:edit", number=number)
    return render(request, "prefill/consent.html", _consent_context(application, cast(User, request.user)))


def kiosk_consent(request: HttpRequest, number: str) -> HttpResponse:
    """The same choice at the self-service kiosk, in large type, for the citizen signed in with their card."""
    user = kiosk.kiosk_user(request)
    if user is None:
        messages.info(request, _("Sign in with your identity card first."))
        return redirect("kiosk:home")
    application = application_selectors.for_applicant(user, number)
    if not application.is_editable or not selectors.is_instant_fill(application.item_version):
        return redirect("kiosk:apply", code=application.item.code)
    if request.method == "POST":
        _decide(request, application, user)
        return redirect("kiosk:apply", code=application.item.code)
    return render(
        request, "prefill/kiosk_consent.html", kiosk.kiosk_context(request, **_consent_context(application, user))
    )


@login_required
def consents(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    page = Paginator(selectors.consents_of(user), 20).get_page(request.GET.get("page"))
    return render(request, "prefill/consents.html", {"page": page, "consents": page.object_list})


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Consent, pk=pk, user=request.user)
    services.revoke(request.user, found)
    messages.success(request, _("The consent was revoked. No more data will be fetched under it."))
    return redirect("prefill:consents")


@staff_required
def registry_uses(request: HttpRequest) -> HttpResponse:
    """For the departments that keep registries: every fetch of their data for pre-fill."""
    registry = request.GET.get("registry", "")
    registry = registry if registry in REGISTRIES else ""
    page = Paginator(selectors.uses_of_registries(request.user, registry), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "prefill/registry_uses.html",
        {"page": page, "uses": page.object_list, "registries": REGISTRIES.values(), "registry": registry},
    )


@login_required
def uses(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    page = Paginator(selectors.uses_about(user), 25).get_page(request.GET.get("page"))
    return render(request, "prefill/uses.html", {"page": page, "uses": page.object_list})
