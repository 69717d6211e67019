"""The second-factor step of the login: after a correct password, staff who use (or must use) an
authenticator are asked for a code before the session is signed in."""

from __future__ import annotations

import io
import time
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from pengcheng.core.models import User
from pengcheng.identity import selectors

PENDING_KEY = "pengcheng.mfa.pending"


def login_step(request: HttpRequest, user: User, next_url: str) -> HttpResponse | None:
    """Registered with ``core.login_steps``: hold the login until the second factor is given."""
    has_device = selectors.totp_device(user) is not None
    if not has_device and not selectors.mfa_required(user):
        return None
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
        "next": next_url,
        "at": time.time(),
    }
    target = "identity:second-factor" if has_device else "identity:mfa-enrol"
    return HttpResponseRedirect(reverse(target))


def pending_user(request: HttpRequest) -> tuple[User | None, str]:
    """The user whose password was checked but who still owes a second factor, and where they go next."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, ""
    if time.time() - float(pending.get("at", 0)) > settings.PENGCHENG_MFA_PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, ""
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    return user, str(pending.get("next") or "")


def complete_login(request: HttpRequest, user: User, device: Any) -> None:
    """Sign the pending user in, recording the device that verified them (django-otp)."""
    pending = request.session.pop(PENDING_KEY, {})
    # django-otp's login receiver persists the device that verified the user in the session.
    user.otp_device = device  # type: ignore[attr-defined]
    login(request, user, backend=pending.get("backend") or "django.contrib.auth.backends.ModelBackend")


def needs_verification(request: HttpRequest) -> bool:
    """A signed-in session of someone who must use a second factor but has not in this session."""
    user = request.user
    if not user.is_authenticated:
        return False
    verified = getattr(user, "is_verified", None)
    return not (verified and verified()) and selectors.mfa_required(user)


def gate_redirect(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    target = "identity:second-factor" if selectors.totp_device(user) else "identity:mfa-enrol"
    return HttpResponseRedirect(reverse(target) + "?" + urlencode({"next": request.get_full_path()}))


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG (rendered here; no outside service sees the secret)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


def base32_secret(device: TOTPDevice) -> str:
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode()
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))
