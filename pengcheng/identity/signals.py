"""Sign-in sessions follow Django's login and logout. (Issued tokens are audited by the validator,
in the transaction that saves them.)"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from pengcheng.identity import services


@receiver(user_logged_in, dispatch_uid="pengcheng-identity-session-start")
def _session_started(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None:
        services.start_session(user, request)


@receiver(user_logged_out, dispatch_uid="pengcheng-identity-session-end")
def _session_ended(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    services.end_session(session.session_key if session is not None else None)
