"""Kiosk mode (一机通办): touch-first pages at /kiosk/ with identity-card login and an idle reset.

Login goes through a card reader named by ``settings.PENGCHENG_CARD_READER``:

- ``AgentCardReader`` (production): the kiosk's local card-reader agent reads the chip and posts the
  card's number and name with an HMAC-SHA256 signature made with the kiosk's secret
  (``PENGCHENG_KIOSK_AGENT_SECRET``) and a timestamp; the server checks both.
- ``SimulatedCardReader`` (demo and tests): reads the demo card, i.e. the card in
  ``PENGCHENG_SIMULATED_CARD`` ({"id_number", "name"}) or that of the account named by
  ``PENGCHENG_SIMULATED_CARD_ACCOUNT`` (default ``citizen``).

With no reader configured, card login is switched off. A card logs in only the citizen account with
that identity number and the same name. Kiosk sessions expire after a few minutes, and the page
resets itself after ``PENGCHENG_KIOSK_IDLE_SECONDS`` without a touch.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Protocol, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pengcheng.applications import hooks, selectors, services
from pengcheng.applications.models import Application, State
from pengcheng.applications.views import form_context, handle_form_post
from pengcheng.audit.services import record as audit
from pengcheng.catalog import forms
from pengcheng.catalog import selectors as catalog
from pengcheng.catalog.models import Channel
from pengcheng.core import identifiers
from pengcheng.core.models import AccountKind, Department, User

KIOSK_SESSION_KEY = "pengcheng.kiosk"


@dataclass(frozen=True)
class CardData:
    id_number: str
    name: str


class CardReaderError(Exception):
    """No card, an unreadable card, or a payload that fails its checks."""


class CardReader(Protocol):
    def read(self, request: HttpRequest) -> CardData: ...


class SimulatedCardReader:
    """A reader with the demo card on it."""

    def read(self, request: HttpRequest) -> CardData:
        card = getattr(settings, "PENGCHENG_SIMULATED_CARD", None)
        if card:
            return CardData(str(card["id_number"]), str(card["name"]))
        account = getattr(settings, "PENGCHENG_SIMULATED_CARD_ACCOUNT", "citizen")
        user = User.objects.filter(username=account).first()
        if user is None or not user.id_number:
            raise CardReaderError("there is no card on the simulated reader")
        return CardData(user.id_number, user.full_name)


class AgentCardReader:
    """The kiosk's card-reader agent posts ``card`` = JSON {"id_number", "name", "ts"} and
    ``signature`` = hex HMAC-SHA256 of that JSON text under the kiosk's secret."""

    max_age = 60

    def read(self, request: HttpRequest) -> CardData:
        secret = getattr(settings, "PENGCHENG_KIOSK_AGENT_SECRET", "")
        if not secret:
            raise CardReaderError("PENGCHENG_KIOSK_AGENT_SECRET is not set")
        payload = request.POST.get("card", "")
        signature = request.POST.get("signature", "")
        expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not payload or not hmac.compare_digest(expected, signature):
            raise CardReaderError("the card data is not signed by this kiosk's reader")
        try:
            card = json.loads(payload)
            age = time.time() - float(card["ts"])
            data = CardData(str(card["id_number"]), str(card["name"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise CardReaderError("the card data is malformed") from exc
        if not 0 <= age <= self.max_age:
            raise CardReaderError("the card data is stale")
        return data


def card_reader() -> CardReader | None:
    path = getattr(settings, "PENGCHENG_CARD_READER", "")
    return cast(CardReader, import_string(path)()) if path else None


def kiosk_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """What ``kiosk/base.html`` needs (idle timer, card login, the signed-in citizen), plus ``extra``.
    Other apps' kiosk pages (the pre-fill consent screen) render with it too."""
    return {
        "idle_seconds": getattr(settings, "PENGCHENG_KIOSK_IDLE_SECONDS", 90),
        "card_login_available": card_reader() is not None,
        "kiosk_user": kiosk_user(request),
        **extra,
    }


def kiosk_user(request: HttpRequest) -> User | None:
    """The citizen signed in at this kiosk with their identity card, or None (a portal session does not count)."""
    if request.user.is_authenticated and request.session.get(KIOSK_SESSION_KEY):
        return cast(User, request.user)
    return None


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "kiosk/home.html", kiosk_context(request, popular=catalog.popular_items(6)))


@require_POST
def card_login(request: HttpRequest) -> HttpResponse:
    reader = card_reader()
    if reader is None:
        messages.error(request, _("This kiosk has no identity-card reader."))
        return redirect("kiosk:home")
    try:
        card = reader.read(request)
    except CardReaderError as exc:
        audit(None, "kiosk.card_refused", None, summary=str(exc)[:300], request=request)
        messages.error(request, _("The card could not be read. Place it on the reader and try again."))
        return redirect("kiosk:home")
    user = None
    if identifiers.is_valid_id_number(card.id_number):
        user = User.objects.filter(id_number=card.id_number.upper(), kind=AccountKind.CITIZEN, is_active=True).first()
    if user is None or user.full_name != card.name:
        audit(
            None,
            "kiosk.card_refused",
            None,
            summary=f"no account for card {identifiers.mask_id_number(card.id_number)}",
            request=request,
        )
        messages.error(request, _("No account matches this card. Register at the service desk or on the portal."))
        return redirect("kiosk:home")
    next_url = request.POST.get("next", "")
    logout(request)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[KIOSK_SESSION_KEY] = True
    request.session.set_expiry(getattr(settings, "PENGCHENG_KIOSK_SESSION_SECONDS", 600))
    audit(user, "kiosk.card_login", user, summary=identifiers.mask_id_number(user.id_number), request=request)
    messages.success(request, _("Welcome, %(name)s.") % {"name": user.display_name})
    if next_url.startswith("/kiosk/"):
        return redirect(next_url)
    return redirect("kiosk:home")


@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    """End the kiosk session (the Finish button, or the idle timer)."""
    logout(request)
    return redirect("kiosk:home")


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    result = catalog.search_items(query, per_page=12, page=_page(request))
    return render(request, "kiosk/search.html", kiosk_context(request, q=query, result=result))


def _page(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def item(request: HttpRequest, code: str) -> HttpResponse:
    service_item = catalog.item_by_code(code)
    version = service_item.current_version
    return render(
        request,
        "kiosk/item.html",
        kiosk_context(
            request,
            item=service_item,
            version=version,
            materials=version.materials.all() if version else [],
            kiosk_ok=bool(version and Channel.KIOSK in version.channels),
        ),
    )


def apply(request: HttpRequest, code: str) -> HttpResponse:
    user = kiosk_user(request)
    if user is None:
        messages.info(request, _("Sign in with your identity card first."))
        return redirect("kiosk:item", code=code)
    service_item = catalog.item_by_code(code)
    application = services.start(user, service_item, channel=Channel.KIOSK)
    if (request.method == "GET" or "start" in request.POST) and (gate := hooks.edit_gate(application, "kiosk")):
        return redirect(gate)  # e.g. the pre-fill consent screen (秒报) comes before the form
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and "start" not in request.POST:
        submitted, errors = handle_form_post(request, application, getattr(settings, "PENGCHENG_KIOSK_HALL", ""))
        if submitted is not None:
            messages.success(
                request, _("Submitted. Your application number is %(number)s.") % {"number": submitted.number}
            )
            return redirect("kiosk:application", number=submitted.number)
        application.refresh_from_db()
    context = form_context(application, application.form_data, errors)
    context["kiosk_hall"] = Department.objects.filter(code=getattr(settings, "PENGCHENG_KIOSK_HALL", "")).first()
    return render(request, "kiosk/apply.html", kiosk_context(request, **context), status=422 if errors else 200)


def track(request: HttpRequest) -> HttpResponse:
    user = kiosk_user(request)
    if user is None:
        messages.info(request, _("Sign in with your identity card to see your applications."))
        return redirect("kiosk:home")
    applications = list(selectors.my_applications(user)[:20])
    return render(request, "kiosk/track.html", kiosk_context(request, applications=applications))


def application(request: HttpRequest, number: str) -> HttpResponse:
    user = kiosk_user(request)
    if user is None:
        return redirect("kiosk:home")
    found: Application = selectors.for_applicant(user, number)
    if found.state == State.DRAFT:
        return redirect("kiosk:apply", code=found.item.code)
    version = found.item_version
    return render(
        request,
        "kiosk/application.html",
        kiosk_context(
            request,
            application=found,
            events=selectors.timeline(found),
            summary=forms.summary(version.form_schema, version.form_ui, found.form_data),
        ),
    )
