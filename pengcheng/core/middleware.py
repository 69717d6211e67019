"""Turning domain errors raised in HTML views into pages, and auditing refused actions."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from pengcheng.core.errors import AccessDenied, DomainError


def audit_denial(request: HttpRequest, exc: AccessDenied) -> None:
    """Record a refused action. Called at the edge, after the service's transaction has rolled back,
    so the record survives the rollback."""
    from pengcheng.audit.services import record

    actor = getattr(request, "user", None)
    key = getattr(request, "api_key", None)
    if (actor is None or not actor.is_authenticated) and key is not None and key.owner is not None:
        actor = key.owner  # an API-key caller: record who the key acts for
    record(
        actor,
        "permission.denied",
        exc.target,
        summary=f"{exc.action}: {exc.reason}"[:300],
        data={"path": request.path, "method": request.method},
        request=request,
    )


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, AccessDenied):
            audit_denial(request, exception)
            response = TemplateResponse(request, "403.html", {"reason": exception.reason}, status=403)
            return response.render()
        if isinstance(exception, DomainError):
            response = TemplateResponse(request, "domain_error.html", {"error": exception}, status=exception.status)
            return response.render()
        return None
