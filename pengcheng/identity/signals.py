"""Sign-in sessions follow Django's login and logout; issued tokens go to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest
from oauth2_provider.signals import app_authorized

from pengcheng.identity import services


@receiver(user_logged_in, dispatch_uid="pengcheng-identity-session-start")
def _session_started(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None:
        services.start_session(user, request)


@receiver(user_logged_out, dispatch_uid="pengcheng-identity-session-end")
def _session_ended(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    services.end_session(session.session_key if session is not None else None)


@receiver(app_authorized, dispatch_uid="pengcheng-identity-token-granted")
def _token_granted(sender: Any, request: HttpRequest, token: Any, **kwargs: Any) -> None:
    services.record_token_grant(request, token)
