"""Sign-ins, sign-outs and failed sign-ins go to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from pengcheng.audit.services import record as audit


@receiver(user_logged_in, dispatch_uid="pengcheng-audit-login")
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit(user, "account.login", user, request=request)


@receiver(user_logged_out, dispatch_uid="pengcheng-audit-logout")
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit(user, "account.logout", user, request=request)


@receiver(user_login_failed, dispatch_uid="pengcheng-audit-login-failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    # The attempted name is recorded, never the password; whether the account exists is not.
    audit(None, "account.login_failed", None, summary=str(credentials.get("username", ""))[:150], request=request)
