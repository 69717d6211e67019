"""Sign-in session bookkeeping and the second-factor gate for the console and the admin."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from pengcheng.identity import mfa
from pengcheng.identity.models import AccountSession

TOUCH_EVERY_SECONDS = 300
_TOUCH_KEY = "pengcheng.session.seen"
GATED_PREFIXES = ("/console/", "/admin/")


class SessionActivityMiddleware:
    """Keeps ``AccountSession.last_seen`` current (at most one write per five minutes per session),
    and sends operators and administrators to their second factor before the console or admin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if request.path.startswith(GATED_PREFIXES) and mfa.needs_verification(request):
                return mfa.gate_redirect(request)
            self._touch(request)
        return self.get_response(request)

    @staticmethod
    def _touch(request: HttpRequest) -> None:
        session = request.session
        now = time.time()
        if now - float(session.get(_TOUCH_KEY, 0)) < TOUCH_EVERY_SECONDS or not session.session_key:
            return
        session[_TOUCH_KEY] = now
        AccountSession.objects.filter(session_key=session.session_key, ended_at__isnull=True).update(
            last_seen=timezone.now(), ip_address=str(request.META.get("REMOTE_ADDR", ""))[:45]
        )
